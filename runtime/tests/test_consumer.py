"""EventConsumer.process on real PostgreSQL, dead letters on the real broker."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from npd_contracts import Envelope, MemberLeft, encode
from npd_contracts.membership import LeaveReason
from npd_runtime.consumer import DependencyUnavailable, EventConsumer, Unprocessable
from npd_runtime.metrics import ServiceMetrics
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .conftest import processed_events


@dataclass
class Record:
    """What aiokafka hands a consumer: the fields EventConsumer reads."""

    value: bytes | None
    headers: list[tuple[str, bytes]]
    key: bytes | None = None
    topic: str = "npd.membership.organisation"
    partition: int = 0
    offset: int = field(default_factory=lambda: int(uuid4().int % 1_000_000))


class FakeDeadLetterProducer:
    """Stands in only for the broker at the edge: records what would be dead-lettered."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, bytes]]] = []

    async def send_and_wait(self, topic: str, *, value: Any, key: Any, headers: list[tuple[str, bytes]]) -> None:
        self.sent.append((topic, dict(headers)))


def a_record() -> tuple[Envelope, Record]:
    envelope = Envelope(
        data=MemberLeft(organisation_id=uuid4(), reason=LeaveReason.WITHDREW, left_at=datetime.now(UTC)), source="/t"
    )
    key, value, headers = encode(envelope)
    return envelope, Record(value=value, headers=headers, key=key)


def consumer_with(handler: Any, engine: AsyncEngine, producer: Any, name: str = "consumer-test") -> EventConsumer:
    consumer = EventConsumer(name=name, processed_events=processed_events, max_attempts=3, first_backoff_s=0.01)
    consumer.on(MemberLeft, handler)
    consumer._sessions = async_sessionmaker(engine)
    consumer._producer = producer
    consumer._metrics_ = ServiceMetrics(name)
    return consumer


async def test_a_failing_handler_is_retried_a_bounded_number_of_times_then_dead_lettered(
    runtime_db: tuple[str, AsyncEngine],
) -> None:
    calls = 0

    async def always_fails(session: AsyncSession, event: MemberLeft, envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("database said no")

    dead = FakeDeadLetterProducer()
    _, record = a_record()
    await consumer_with(always_fails, runtime_db[1], dead).process(record)
    assert calls == 3
    [(topic, headers)] = dead.sent
    assert topic == "npd.membership.organisation.dlq"
    assert headers["npd_dlq_reason"] == b"failed 3 times, last: RuntimeError: database said no"
    assert headers["npd_dlq_consumer"] == b"consumer-test"


async def test_a_handler_that_succeeds_on_a_retry_is_not_dead_lettered(runtime_db: tuple[str, AsyncEngine]) -> None:
    calls = 0

    async def flaky(session: AsyncSession, event: MemberLeft, envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("blip")

    dead = FakeDeadLetterProducer()
    _, record = a_record()
    await consumer_with(flaky, runtime_db[1], dead).process(record)
    assert calls == 2
    assert dead.sent == []


async def test_an_unprocessable_event_is_dead_lettered_without_retries(runtime_db: tuple[str, AsyncEngine]) -> None:
    calls = 0

    async def refuses(session: AsyncSession, event: MemberLeft, envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        raise Unprocessable("organisation unknown to this service")

    dead = FakeDeadLetterProducer()
    _, record = a_record()
    await consumer_with(refuses, runtime_db[1], dead).process(record)
    assert calls == 1
    assert dead.sent[0][1]["npd_dlq_reason"] == b"unprocessable: organisation unknown to this service"


async def test_a_redelivered_event_is_handled_once_per_consumer(runtime_db: tuple[str, AsyncEngine]) -> None:
    seen: list[str] = []

    async def remember(session: AsyncSession, event: MemberLeft, envelope: Envelope) -> None:
        seen.append(envelope.id)

    envelope, record = a_record()
    first = consumer_with(remember, runtime_db[1], FakeDeadLetterProducer(), name="first")
    other = consumer_with(remember, runtime_db[1], FakeDeadLetterProducer(), name="other")
    await first.process(record)
    await first.process(record)
    await other.process(record)
    assert seen == [envelope.id, envelope.id]


async def test_a_failed_attempt_leaves_no_processed_record_behind(runtime_db: tuple[str, AsyncEngine]) -> None:
    attempts: list[int] = []

    async def fails_then_counts(session: AsyncSession, event: MemberLeft, envelope: Envelope) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("rolled back with its processed record")

    _, record = a_record()
    await consumer_with(fails_then_counts, runtime_db[1], FakeDeadLetterProducer(), name="rollback").process(record)
    assert len(attempts) == 2


async def test_dead_letters_reach_the_real_dead_letter_topic(
    runtime_db: tuple[str, AsyncEngine], kafka_producer: AIOKafkaProducer
) -> None:
    record = Record(value=b"[]", headers=[("ce_specversion", b"1.0")], key=b"k")
    consumer = consumer_with(None, runtime_db[1], kafka_producer, name="dlq-real")
    await consumer.process(record)  # raises if the broker did not acknowledge the dead letter


async def test_an_unreachable_database_is_never_a_reason_to_dead_letter(runtime_db: tuple[str, AsyncEngine]) -> None:
    async def database_down(session: AsyncSession, event: MemberLeft, envelope: Envelope) -> None:
        raise ConnectionRefusedError("connection refused")

    dead = FakeDeadLetterProducer()
    _, record = a_record()
    with pytest.raises(DependencyUnavailable, match="ConnectionRefusedError"):
        await consumer_with(database_down, runtime_db[1], dead).process(record)
    assert dead.sent == []
