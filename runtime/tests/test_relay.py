"""The outbox relay against real PostgreSQL and Kafka."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from npd_contracts import Envelope, MemberLeft, decode
from npd_contracts.membership import LeaveReason
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.outbox import add_events, notify_trigger_ddl
from npd_runtime.relay import OutboxRelay
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .conftest import metadata, outbox


@contextlib.asynccontextmanager
async def relay_running(relay: OutboxRelay) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(relay.run())
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def relay(url: str, producer: AIOKafkaProducer, metrics: ServiceMetrics | None = None, **options: Any) -> OutboxRelay:
    return OutboxRelay(
        service="relay-test",
        database_url=url,
        producer=producer,
        metrics=metrics or ServiceMetrics("t"),
        standby_poll_s=0.2,
        **options,
    )


async def outbox_database(url: str) -> AsyncEngine:
    """An engine on a database of its own with the runtime's tables, as `runtime_db` makes them."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(text("DROP FUNCTION IF EXISTS outbox_notify() CASCADE"))
        for statement in notify_trigger_ddl():
            await conn.execute(text(statement))
    return engine


def departures(org_id: Any, n: int) -> list[Envelope]:
    reasons = [LeaveReason.WITHDREW, LeaveReason.REMOVED]
    return [
        Envelope(data=MemberLeft(organisation_id=org_id, reason=reasons[i % 2], left_at=datetime.now(UTC)), source="/t")
        for i in range(n)
    ]


async def write(engine: AsyncEngine, envelopes: list[Envelope]) -> None:
    async with async_sessionmaker(engine)() as session, session.begin():
        await add_events(session, outbox, *envelopes)


async def read_back(kafka: str, key: bytes, n: int) -> list[Envelope]:
    consumer = AIOKafkaConsumer(
        "npd.membership.organisation",
        bootstrap_servers=kafka,
        group_id=f"reader-{uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[Envelope] = []
    try:
        async with asyncio.timeout(20):
            while len(found) < n:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += [decode(r.value, list(r.headers)) for r in records if r.key == key]
    finally:
        await consumer.stop()
    return found


async def backlog(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        return int(await session.scalar(select(func.count()).select_from(outbox)) or 0)


async def test_events_of_one_aggregate_leave_in_commit_order_and_the_outbox_empties(
    runtime_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    url, engine = runtime_db
    org_id = uuid4()
    written = departures(org_id, 30)
    for envelope in written:
        await write(engine, [envelope])
    async with relay_running(relay(url, kafka_producer)):
        published = await read_back(kafka, str(org_id).encode(), 30)
        await wait_for(lambda: _zero(backlog(engine)))
    assert [e.id for e in published] == [e.id for e in written]


async def _zero(value: Any) -> bool:
    return await value == 0


async def test_the_trace_context_of_an_event_reaches_kafka(
    runtime_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer
) -> None:
    url, engine = runtime_db
    org_id = uuid4()
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    [envelope] = departures(org_id, 1)
    await write(engine, [replace(envelope, traceparent=traceparent)])
    async with relay_running(relay(url, kafka_producer)):
        [published] = await read_back(kafka, str(org_id).encode(), 1)
    assert published.traceparent == traceparent


async def test_a_commit_wakes_the_relay_at_once_rather_than_at_its_next_poll(
    runtime_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer
) -> None:
    url, engine = runtime_db
    slow_poll = OutboxRelay(
        service="relay-test", database_url=url, producer=kafka_producer, metrics=ServiceMetrics("t"), safety_poll_s=60
    )
    async with relay_running(slow_poll):
        await asyncio.sleep(0.5)  # connected, listening, idle
        org_id = uuid4()
        await write(engine, departures(org_id, 1))
        async with asyncio.timeout(10):  # far below the 60 s poll: only NOTIFY can explain it
            await read_back(kafka, str(org_id).encode(), 1)


async def test_a_second_replica_stands_by_until_the_active_one_goes(
    runtime_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    url, engine = runtime_db
    first_metrics, second_metrics = ServiceMetrics("first"), ServiceMetrics("second")
    async with relay_running(relay(url, kafka_producer, first_metrics)) as first:
        await wait_for(lambda: _gauge(first_metrics, 1))
        async with relay_running(relay(url, kafka_producer, second_metrics)):
            await asyncio.sleep(0.6)
            assert second_metrics.relay_active._value.get() == 0
            first.cancel()
            await asyncio.gather(first, return_exceptions=True)
            await wait_for(lambda: _gauge(second_metrics, 1))
            org_id = uuid4()
            await write(engine, departures(org_id, 1))
            assert len(await read_back(kafka, str(org_id).encode(), 1)) == 1


async def _gauge(metrics: ServiceMetrics, value: float) -> bool:
    return bool(metrics.relay_active._value.get() == value)


async def test_in_small_pipelined_batches_each_aggregates_events_still_leave_in_commit_order(
    runtime_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    url, engine = runtime_db
    written = {org_id: departures(org_id, 15) for org_id in (uuid4() for _ in range(4))}
    for i in range(15):  # one transaction per round, the aggregates interleaved
        await write(engine, [events[i] for events in written.values()])
    async with relay_running(relay(url, kafka_producer, batch_size=7)):
        for org_id, events in written.items():
            published = await read_back(kafka, str(org_id).encode(), len(events))
            assert [e.id for e in published] == [e.id for e in events]
        await wait_for(lambda: _zero(backlog(engine)))


async def test_an_event_committed_after_later_ones_still_leaves(
    runtime_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer
) -> None:
    url, engine = runtime_db
    late, early = uuid4(), uuid4()
    async with relay_running(relay(url, kafka_producer, batch_size=2)):
        async with async_sessionmaker(engine)() as slow, slow.begin():
            await add_events(slow, outbox, *departures(late, 1))  # takes the lower position, commits last
            await write(engine, departures(early, 5))
            assert len(await read_back(kafka, str(early).encode(), 5)) == 5
        assert len(await read_back(kafka, str(late).encode(), 1)) == 1
