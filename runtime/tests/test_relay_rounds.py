"""How the relay shares work between commits: at most one round per interval, and deletes carried by the
next round's read. Real PostgreSQL and Kafka."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import asyncpg
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from npd_contracts import decode
from npd_contracts.topics import MEMBERSHIP_ORGANISATION
from npd_devstack.postgres import PostgresCluster
from npd_runtime.db import asyncpg_connect_kwargs
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.relay import relay_lock_key
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from .conftest import outbox
from .test_relay import departures, outbox_database, read_back, relay, relay_running, write


@pytest_asyncio.fixture(scope="module")
async def rounds_db(postgres_cluster: PostgresCluster) -> AsyncIterator[tuple[str, AsyncEngine]]:
    url = postgres_cluster.create_database("relay_rounds_tests")
    engine = await outbox_database(url)
    yield url, engine
    await engine.dispose()


class CountingProducer:
    """The real producer, counting the record batches the relay hands it."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer
        self.batches = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._producer, name)

    async def send_batch(self, *args: Any, **kwargs: Any) -> Any:
        self.batches += 1
        return await self._producer.send_batch(*args, **kwargs)


async def rows_of(engine: AsyncEngine, key: Any) -> int:
    async with AsyncSession(engine) as session:
        return len((await session.execute(select(outbox.c.position).where(outbox.c.key == str(key)))).all())


async def commits_in_succession(engine: AsyncEngine, org_id: Any, n: int) -> None:
    for envelope in departures(org_id, n):
        await asyncio.sleep(0.1)  # longer than a round takes, far shorter than the interval below
        await write(engine, [envelope])


async def test_a_commit_after_a_quiet_spell_leaves_at_once_and_those_soon_after_it_leave_together(
    rounds_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer
) -> None:
    url, engine = rounds_db
    counted = {}
    for interval_s in (0.0, 1.0):
        producer = CountingProducer(kafka_producer)
        async with relay_running(relay(url, producer, round_interval_s=interval_s)):  # type: ignore[arg-type]
            await asyncio.sleep(1.2)  # listening, idle, past the interval after its first look
            org_id = uuid4()
            await write(engine, departures(org_id, 1))
            async with asyncio.timeout(0.5):  # well within the interval: it did not wait for it
                while producer.batches < 1:  # noqa: ASYNC110 - the relay runs in another task
                    await asyncio.sleep(0.01)
            await commits_in_succession(engine, org_id, 3)  # one aggregate: one partition
            assert len(await read_back(kafka, str(org_id).encode(), 4)) == 4
        counted[interval_s] = producer.batches
    assert counted[0.0] > 2  # without an interval, nearly every commit is a round of its own
    assert counted[1.0] == 2


async def test_rows_acknowledged_in_one_round_are_deleted_by_the_next_rounds_read(
    rounds_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    url, engine = rounds_db
    first, second = uuid4(), uuid4()
    async with relay_running(relay(url, kafka_producer, idle_delete_s=60, safety_poll_s=60)) as running:
        await write(engine, departures(first, 1))
        await read_back(kafka, str(first).encode(), 1)
        assert await rows_of(engine, first) == 1  # published, kept until the next round
        await write(engine, departures(second, 1))
        await read_back(kafka, str(second).encode(), 1)
        await wait_for(lambda: _none_left(engine, first))
        assert await rows_of(engine, second) == 1
        assert not running.done()
    assert await rows_of(engine, second) == 0  # a relay that stops deletes what it published
    assert len(await read_back(kafka, str(first).encode(), 1)) == 1  # and nothing went out twice


async def test_published_rows_are_deleted_after_a_quiet_spell_without_another_round(
    rounds_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    url, engine = rounds_db
    org_id = uuid4()
    async with relay_running(relay(url, kafka_producer, idle_delete_s=0.2, safety_poll_s=60)) as running:
        await write(engine, departures(org_id, 1))
        await read_back(kafka, str(org_id).encode(), 1)
        await wait_for(lambda: _none_left(engine, org_id))
        assert not running.done()  # the delete was the running relay's own, not a stop's


async def test_a_relay_that_dies_between_publishing_and_deleting_leaves_the_rows_to_be_published_again(
    rounds_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    url, engine = rounds_db
    org_id = uuid4()
    [event] = departures(org_id, 1)
    async with relay_running(relay(url, kafka_producer, idle_delete_s=60, safety_poll_s=60)):
        await write(engine, [event])
        await read_back(kafka, str(org_id).encode(), 1)
        await _kill_relay_connection(url)
    assert await rows_of(engine, org_id) == 1
    async with relay_running(relay(url, kafka_producer)):
        published = await read_back(kafka, str(org_id).encode(), 2)
        await wait_for(lambda: _none_left(engine, org_id))
    assert [e.id for e in published] == [event.id, event.id]  # again, not lost; consumers drop the copy


async def _kill_relay_connection(url: str) -> None:
    """Terminate the backend of the relay holding the lock, as if its process died: it can delete nothing."""
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(url))
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1::bigint::oid",
            relay_lock_key("relay-test"),
        )
    finally:
        await conn.close()
    await asyncio.sleep(0.3)  # the relay's connection sees the end of its stream


async def _none_left(engine: AsyncEngine, key: Any) -> bool:
    return await rows_of(engine, key) == 0


async def test_a_relay_whose_connection_is_cut_mid_stream_reconnects_by_itself_and_loses_nothing(
    rounds_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    """The relay's process lives on while its database connection is cut three times, while events keep
    coming (a failover, a proxy restart, an idle-connection reaper): it reconnects by itself, retakes the lock
    and publishes every event in each aggregate's order (copies republished after a cut only repeat what
    came before)."""
    url, engine = rounds_db
    orgs = [uuid4() for _ in range(4)]
    written: dict[Any, list[str]] = {org: [] for org in orgs}
    metrics = ServiceMetrics("cut")
    enough = asyncio.Event()

    def failures() -> float:
        return metrics.registry.get_sample_value("npd_cut_outbox_relay_failures_total") or 0.0

    async def writer() -> None:
        while not enough.is_set():
            for org in orgs:
                batch = departures(org, 10)
                await write(engine, batch)
                written[org] += [e.id for e in batch]
            await asyncio.sleep(0.02)

    options = {"batch_size": 50, "retry_backoff_s": 0.1, "safety_poll_s": 60}
    async with relay_running(relay(url, kafka_producer, metrics, **options)) as running:
        writing = asyncio.create_task(writer())
        for cut in range(1, 4):
            await wait_for(lambda: _lock_held(url))  # active (again)
            await asyncio.sleep(0.2)  # publishing what the writer keeps adding
            await _kill_relay_connection(url)
            await wait_for(lambda cut=cut: _true(failures() >= cut))  # it noticed: one failure per cut
        enough.set()
        await writing
        await wait_for(lambda: _none_left_of(engine, orgs), 30)
        assert not running.done(), "the relay task ended instead of reconnecting"
    assert failures() == 3

    published = await _all_of(kafka, {str(org).encode() for org in orgs})
    for org in orgs:
        ids = [e.id for e in published[str(org).encode()]]
        assert len(ids) >= len(written[org]) > 0
        # Copies republished after a cut repeat what came before; the first of each is in written order.
        assert list(dict.fromkeys(ids)) == written[org], "an event was lost or came out of its aggregate's order"


async def test_a_relay_whose_idle_connection_is_cut_notices_at_once_not_at_its_next_safety_poll(
    rounds_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    """While idle the relay waits for a NOTIFY, which a dead connection never delivers: the connection's end
    wakes it, so it reconnects and the next event leaves at once, not a safety poll (here a minute) later."""
    url, engine = rounds_db
    org_id = uuid4()
    async with relay_running(relay(url, kafka_producer, retry_backoff_s=0.1, safety_poll_s=60)):
        await wait_for(lambda: _lock_held(url))
        await asyncio.sleep(0.3)  # idle, listening
        await _kill_relay_connection(url)
        await wait_for(lambda: _lock_held(url), 10)  # reconnected and active again
        await write(engine, departures(org_id, 1))
        assert len(await read_back(kafka, str(org_id).encode(), 1)) == 1


async def _true(value: bool) -> bool:
    return value


async def _lock_held(url: str) -> bool:
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(url))
    try:
        return bool(
            await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1::bigint::oid",
                relay_lock_key("relay-test"),
            )
        )
    finally:
        await conn.close()


async def _none_left_of(engine: AsyncEngine, keys: list[Any]) -> bool:
    return all([await rows_of(engine, key) == 0 for key in keys])


async def _all_of(kafka: str, keys: set[bytes]) -> dict[bytes, list[Any]]:
    """Every record of these keys on the topic, read to its end, per key in offset order."""
    topic = MEMBERSHIP_ORGANISATION.name
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    found: dict[bytes, list[Any]] = {key: [] for key in keys}
    try:
        partitions = [TopicPartition(topic, p) for p in range(MEMBERSHIP_ORGANISATION.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        async with asyncio.timeout(30):
            while any([await consumer.position(tp) < end for tp, end in ends.items()]):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for r in records:
                        if r.key in found:
                            found[r.key].append(decode(r.value, list(r.headers)))
    finally:
        await consumer.stop()
    return found
