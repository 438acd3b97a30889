"""EventConsumer on real PostgreSQL: batches, dedupe, retries, dead letters; and on the real broker: offsets
of every topic it reads are committed, so a restart redelivers nothing already handled."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from asyncpg.exceptions import CannotConnectNowError
from npd_contracts import Envelope, EventData, MemberJoined, MemberLeft, OrganisationKind, catalogue, encode
from npd_contracts.membership import LeaveReason
from npd_contracts.topics import MEMBERSHIP_ORGANISATION, MEMBERSHIP_PERSON, Topic
from npd_runtime.consumer import DependencyUnavailable, EventConsumer, Handler, Unprocessable
from npd_runtime.metrics import ServiceMetrics
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

Events = Sequence[Envelope[Any]]


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


def departure() -> Envelope[MemberLeft]:
    data = MemberLeft(organisation_id=uuid4(), reason=LeaveReason.WITHDREW, left_at=datetime.now(UTC))
    return Envelope(data=data, source="/t")


def record_of(envelope: Envelope[Any], offset: int | None = None) -> Record:
    key, value, headers = encode(envelope)
    record = Record(value=value, headers=headers, key=key, topic=envelope.topic)
    if offset is not None:
        record.offset = offset
    return record


def a_record() -> tuple[Envelope[MemberLeft], Record]:
    envelope = departure()
    return envelope, record_of(envelope)


def consumer_with(
    handler: Handler | None, engine: AsyncEngine, dead_letters: Any, name: str = "consumer-test", **kw: Any
) -> EventConsumer:
    return EventConsumer(
        name=name,
        handlers={MemberLeft: handler} if handler else {},
        sessions=async_sessionmaker(engine),
        dead_letters=dead_letters,
        metrics=ServiceMetrics(name.replace("-", "_")),
        max_attempts=3,
        first_backoff_s=0.01,
        **kw,
    )


@contextlib.asynccontextmanager
async def running(consumer: EventConsumer, kafka: str) -> AsyncIterator[None]:
    """`consumer` reading the real broker in its own group, from the topics' beginnings, until the block ends."""
    client = AIOKafkaConsumer(
        bootstrap_servers=kafka, group_id=consumer.name, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    client.subscribe(consumer.topics, listener=consumer.rebalance_listener())
    await client.start()
    task = asyncio.create_task(consumer.run(client))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.stop()


async def until(condition: Callable[[], bool], timeout_s: float = 30) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 - the consumer's task changes what `condition` reads
            await asyncio.sleep(0.05)


def outcomes(consumer: EventConsumer, outcome: str) -> float:
    registry = consumer._metrics.registry
    total = 0.0
    for metric in registry.collect():
        for sample in metric.samples:
            if sample.name.endswith("_events_consumed_total") and sample.labels["outcome"] == outcome:
                total += sample.value
    return total


async def test_a_failing_handler_is_retried_a_bounded_number_of_times_then_dead_lettered(
    runtime_db: tuple[str, AsyncEngine],
) -> None:
    calls = 0

    async def always_fails(session: AsyncSession, events: Events) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("database said no")

    dead = FakeDeadLetterProducer()
    _, record = a_record()
    await consumer_with(always_fails, runtime_db[1], dead).process([record])
    assert calls == 1 + 3  # the batch once, then the event alone, three attempts
    [(topic, headers)] = dead.sent
    assert topic == "npd.membership.organisation.dlq"
    assert headers["npd_dlq_reason"] == b"failed: 3 attempts, last: RuntimeError: database said no"
    assert headers["npd_dlq_consumer"] == b"consumer-test"


async def test_a_handler_that_succeeds_on_a_retry_is_not_dead_lettered(runtime_db: tuple[str, AsyncEngine]) -> None:
    calls = 0

    async def flaky(session: AsyncSession, events: Events) -> None:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise ConnectionError("blip")

    dead = FakeDeadLetterProducer()
    _, record = a_record()
    await consumer_with(flaky, runtime_db[1], dead).process([record])
    assert calls == 3
    assert dead.sent == []


async def test_an_unprocessable_event_is_dead_lettered_without_retries(runtime_db: tuple[str, AsyncEngine]) -> None:
    calls = 0

    async def refuses(session: AsyncSession, events: Events) -> None:
        nonlocal calls
        calls += 1
        raise Unprocessable("organisation unknown to this service")

    dead = FakeDeadLetterProducer()
    _, record = a_record()
    await consumer_with(refuses, runtime_db[1], dead).process([record])
    assert calls == 2  # in the batch, then alone
    assert dead.sent[0][1]["npd_dlq_reason"] == b"unprocessable: organisation unknown to this service"


async def test_a_redelivered_event_is_handled_once_per_consumer(runtime_db: tuple[str, AsyncEngine]) -> None:
    seen: list[str] = []

    async def remember(session: AsyncSession, events: Events) -> None:
        seen.extend(e.id for e in events)

    envelope, record = a_record()
    first = consumer_with(remember, runtime_db[1], FakeDeadLetterProducer(), name="first")
    other = consumer_with(remember, runtime_db[1], FakeDeadLetterProducer(), name="other")
    await first.process([record])
    await first.process([record])
    await other.process([record])
    assert seen == [envelope.id, envelope.id]


async def test_a_failed_attempt_leaves_no_processed_record_behind(runtime_db: tuple[str, AsyncEngine]) -> None:
    attempts: list[int] = []

    async def fails_then_counts(session: AsyncSession, events: Events) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("rolled back with its processed record")

    _, record = a_record()
    await consumer_with(fails_then_counts, runtime_db[1], FakeDeadLetterProducer(), name="rollback").process([record])
    assert len(attempts) == 2


async def test_a_batch_is_handled_in_one_call_in_order_and_copies_within_it_count_as_duplicates(
    runtime_db: tuple[str, AsyncEngine],
) -> None:
    calls: list[list[str]] = []

    async def remember(session: AsyncSession, events: Events) -> None:
        calls.append([e.id for e in events])

    envelopes = [departure() for _ in range(50)]
    records = [record_of(e, offset=i) for i, e in enumerate(envelopes)]
    records.append(record_of(envelopes[7], offset=50))  # the relay republished one after a crash
    consumer = consumer_with(remember, runtime_db[1], FakeDeadLetterProducer(), name="batch")
    await consumer.process(records)
    assert calls == [[e.id for e in envelopes]]
    assert outcomes(consumer, "handled") == 50
    assert outcomes(consumer, "duplicate") == 1


async def test_a_batch_is_cut_into_few_runs_of_one_type_keeping_each_aggregates_order(
    runtime_db: tuple[str, AsyncEngine],
) -> None:
    """100 organisations each joining and leaving twice, read interleaved: two handler calls, not 200 (one
    per change of type in the read order); an organisation's events still take effect in its order."""
    calls: list[tuple[str, list[str]]] = []

    def remember(kind: str) -> Handler:
        async def handle(session: AsyncSession, events: Events) -> None:
            calls.append((kind, [e.id for e in events]))

        return handle

    def joined(org: Any) -> Envelope[MemberJoined]:
        data = MemberJoined(
            organisation_id=org,
            name="Gemeente",
            kind=OrganisationKind.MUNICIPALITY,
            contact_person_id="c",
            joined_at=datetime.now(UTC),
        )
        return Envelope(data=data, source="/t")

    def left(org: Any) -> Envelope[MemberLeft]:
        return Envelope(
            data=MemberLeft(organisation_id=org, reason=LeaveReason.WITHDREW, left_at=datetime.now(UTC)), source="/t"
        )

    orgs = [uuid4() for _ in range(100)]
    per_org = {org: [joined(org), left(org), left(org)] for org in orgs}
    read_order = [e for org in orgs for e in per_org[org]]  # each organisation's events one after the other
    consumer = EventConsumer(
        name="runs",
        handlers={MemberJoined: remember("joined"), MemberLeft: remember("left")},
        sessions=async_sessionmaker(runtime_db[1]),
        dead_letters=FakeDeadLetterProducer(),
        metrics=ServiceMetrics("runs"),
    )
    await consumer.process([record_of(e, offset=i) for i, e in enumerate(read_order)])

    assert [(kind, len(ids)) for kind, ids in calls] == [("joined", 100), ("left", 200)]
    handled = [event_id for _, ids in calls for event_id in ids]
    for org in orgs:
        own = [e.id for e in per_org[org]]
        assert [event_id for event_id in handled if event_id in own] == own

    # A type that comes back within one aggregate starts a later run: order within it wins over fewer runs.
    calls.clear()
    a, b = uuid4(), uuid4()
    sequence = [joined(a), left(a), joined(b), joined(a)]
    await consumer.process([record_of(e, offset=1000 + i) for i, e in enumerate(sequence)])
    ids = {e.id: name for e, name in zip(sequence, ("a1", "a2", "b1", "a3"), strict=True)}
    assert [(kind, [ids[i] for i in run]) for kind, run in calls] == [
        ("joined", ["a1", "b1"]),
        ("left", ["a2"]),
        ("joined", ["a3"]),
    ]


async def test_one_bad_event_is_dead_lettered_and_the_rest_of_its_batch_takes_effect(
    runtime_db: tuple[str, AsyncEngine],
) -> None:
    good, bad = [departure() for _ in range(5)], departure()
    _, engine = runtime_db
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS left_orgs (id uuid PRIMARY KEY)"))

    async def store(session: AsyncSession, events: Events) -> None:
        if any(e.id == bad.id for e in events):
            raise Unprocessable("this one is wrong")
        rows = [{"id": e.data.organisation_id} for e in events]
        await session.execute(text("INSERT INTO left_orgs (id) VALUES (:id)"), rows)

    dead = FakeDeadLetterProducer()
    batch = [*good[:2], bad, *good[2:]]
    await consumer_with(store, engine, dead, name="one-bad").process([record_of(e, i) for i, e in enumerate(batch)])
    async with engine.connect() as conn:
        stored = set((await conn.execute(text("SELECT id FROM left_orgs"))).scalars())
    assert {e.data.organisation_id for e in good} <= stored
    assert bad.data.organisation_id not in stored
    assert [h["ce_id"] for _, h in dead.sent] == [bad.id.encode()]


async def test_a_record_over_the_size_limit_is_dead_lettered_before_it_is_parsed_and_counted_by_reason(
    runtime_db: tuple[str, AsyncEngine],
) -> None:
    seen: list[str] = []

    async def remember(session: AsyncSession, events: Events) -> None:
        seen.extend(e.id for e in events)

    envelope, record = a_record()
    big = Record(value=b"x" * 2049, headers=record.headers, key=record.key, topic=record.topic)
    dead = FakeDeadLetterProducer()
    consumer = consumer_with(remember, runtime_db[1], dead, name="size", max_event_bytes=2048)
    await consumer.process([big, record])
    assert seen == [envelope.id]
    [(_, headers)] = dead.sent
    assert headers["npd_dlq_reason"] == b"too-large: value is 2049 bytes, over this consumer's limit of 2048"
    [sample] = [
        s for m in consumer._metrics.registry.collect() for s in m.samples if s.name.endswith("_dead_letters_total")
    ]
    assert (sample.labels["reason"], sample.value) == ("too-large", 1.0)


async def test_an_event_on_another_topic_than_its_own_is_dead_lettered(runtime_db: tuple[str, AsyncEngine]) -> None:
    seen: list[str] = []

    async def remember(session: AsyncSession, events: Events) -> None:
        seen.extend(e.id for e in events)

    _, record = a_record()
    record.topic = MEMBERSHIP_PERSON.name
    dead = FakeDeadLetterProducer()
    await consumer_with(remember, runtime_db[1], dead, name="wrong-topic").process([record])
    assert seen == []
    [(topic, headers)] = dead.sent
    assert topic == "npd.membership.person.dlq"
    assert headers["npd_dlq_reason"] == (
        b"wrong-topic: nl.npd.membership.member-left.v1 belongs on npd.membership.organisation, "
        b"not on npd.membership.person"
    )


async def test_dead_letters_reach_the_real_dead_letter_topic(
    runtime_db: tuple[str, AsyncEngine], kafka_producer: AIOKafkaProducer
) -> None:
    record = Record(value=b"[]", headers=[("ce_specversion", b"1.0")], key=b"k")
    consumer = consumer_with(None, runtime_db[1], kafka_producer, name="dlq-real")
    await consumer.process([record])  # raises if the broker did not acknowledge the dead letter


async def test_an_unreachable_database_is_never_a_reason_to_dead_letter(runtime_db: tuple[str, AsyncEngine]) -> None:
    async def database_down(session: AsyncSession, events: Events) -> None:
        raise ConnectionRefusedError("connection refused")

    dead = FakeDeadLetterProducer()
    _, record = a_record()
    with pytest.raises(DependencyUnavailable, match="ConnectionRefusedError"):
        await consumer_with(database_down, runtime_db[1], dead).process([record])
    assert dead.sent == []


def database_starting_up() -> DBAPIError:
    """What SQLAlchemy raises for a server that is starting up: a plain DBAPIError, asyncpg's error as its cause."""
    cause = CannotConnectNowError("the database system is starting up")
    error = DBAPIError("SELECT 1", None, cause)
    error.__cause__ = cause
    return error


async def test_a_database_that_is_starting_up_is_never_a_reason_to_dead_letter(
    runtime_db: tuple[str, AsyncEngine],
) -> None:
    async def starting_up(session: AsyncSession, events: Events) -> None:
        raise database_starting_up()

    dead = FakeDeadLetterProducer()
    _, record = a_record()
    with pytest.raises(DependencyUnavailable, match="DBAPIError"):
        await consumer_with(starting_up, runtime_db[1], dead).process([record])
    assert dead.sent == []


def test_a_consumer_reads_every_topic_its_handlers_need(runtime_db: tuple[str, AsyncEngine]) -> None:
    async def ignore(session: AsyncSession, events: Events) -> None:
        return None

    consumer = EventConsumer(
        name="topics",
        handlers={MemberLeft: ignore, PersonNoted: ignore},
        sessions=async_sessionmaker(runtime_db[1]),
        dead_letters=FakeDeadLetterProducer(),
        metrics=ServiceMetrics("topics"),
    )
    assert consumer.topics == [MEMBERSHIP_ORGANISATION.name, MEMBERSHIP_PERSON.name]


class PersonNoted(EventData):
    """A test-only event on a second topic."""

    TYPE: ClassVar[str] = "nl.npd.test.person-noted.v1"
    TOPIC: ClassVar[Topic] = MEMBERSHIP_PERSON
    SUBJECT_FIELD: ClassVar[str] = "person_id"

    person_id: str


async def test_a_consumer_of_two_topics_commits_both_so_a_restart_redelivers_nothing_already_handled(
    runtime_db: tuple[str, AsyncEngine],
    kafka: str,
    kafka_producer: AIOKafkaProducer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(catalogue.EVENT_TYPES, PersonNoted.TYPE, PersonNoted)
    group = f"two-topics-{uuid4().hex[:8]}"
    seen: list[str] = []

    async def remember(session: AsyncSession, events: Events) -> None:
        seen.extend(e.id for e in events)

    async def publish_interleaved(n: int) -> list[str]:
        ids = []
        for i in range(n):
            envelope: Envelope[Any] = departure() if i % 2 else Envelope(PersonNoted(person_id=f"p{i}"), "/t")
            key, value, headers = encode(envelope)
            await kafka_producer.send_and_wait(envelope.topic, value=value, key=key, headers=headers)
            ids.append(envelope.id)
        return ids

    async def run_until(wanted: list[str]) -> EventConsumer:
        consumer = EventConsumer(
            name=group,
            handlers={MemberLeft: remember, PersonNoted: remember},
            sessions=async_sessionmaker(runtime_db[1]),
            dead_letters=FakeDeadLetterProducer(),
            metrics=ServiceMetrics("two_topics"),
        )
        async with running(consumer, kafka):
            await until(lambda: set(wanted) <= set(seen))
            await asyncio.sleep(0.5)  # past the offset flush interval
        return consumer

    first_batch = await publish_interleaved(40)
    await run_until(first_batch)
    handled_first = len(seen)
    second_batch = await publish_interleaved(10)
    restarted = await run_until(second_batch)
    assert set(seen[handled_first:]) == set(second_batch)
    assert outcomes(restarted, "duplicate") == 0  # nothing of the first run came back, from either topic


async def test_while_the_database_is_down_the_consumer_reads_the_batch_again_and_handles_it_once_when_back(
    runtime_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer
) -> None:
    group = f"outage-{uuid4().hex[:8]}"
    down_for = 7  # attempts: more than one batch try plus max_attempts alone, so the batch is rewound
    calls, handled = 0, []
    envelope = departure()

    async def database_down_for_a_while(session: AsyncSession, events: Events) -> None:
        nonlocal calls
        calls += 1
        if calls <= down_for:
            raise ConnectionRefusedError("connection refused")
        handled.extend(e.id for e in events if e.id == envelope.id)

    dead = FakeDeadLetterProducer()
    consumer = consumer_with(database_down_for_a_while, runtime_db[1], dead, name=group, redelivery_pause_s=0.05)
    key, value, headers = encode(envelope)
    await kafka_producer.send_and_wait(envelope.topic, value=value, key=key, headers=headers)
    async with running(consumer, kafka):
        await until(lambda: bool(handled))
    assert handled == [envelope.id]
    assert calls > down_for
    assert [h for _, h in dead.sent if h.get("ce_id") == envelope.id.encode()] == []  # never dead-lettered
    assert consumer.status()["last_failure"].endswith("connection refused")
