"""Consuming events: decode, deduplicate, handle, dead-letter what cannot be handled, then commit offsets.

One Kafka consumer per service reads all its topics (its group id is the service's name). What one fetch
returns is handled as a batch in one transaction: the whole batch is claimed in the processed-events
record by one statement, and each handler receives the batch's events of its type at once (as far as the
order within each aggregate allows), so it can write their effects in one statement too. If anything in
the batch fails, the transaction rolls back and the batch is handled again one event at a time, each in its
own transaction with bounded retries, so one bad event is dead-lettered and the rest go through. Offsets
are committed only after the effects.
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import IllegalStateError
from npd_contracts import Envelope, EventData, MalformedEvent, decode
from npd_contracts.topics import Topic
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from npd_runtime.db import is_unavailable
from npd_runtime.deadletter import send_to_dead_letter
from npd_runtime.idempotency import claim
from npd_runtime.logs import current_event_id
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.offsets import OffsetCommitter
from npd_runtime.settings import DEFAULT_MAX_EVENT_BYTES
from npd_runtime.tracing import current_traceparent

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Sequence[Envelope[Any]]], Awaitable[None]]
"""`async def on_x(session, events)`: the effects of these events (all new to this consumer, in order),
written through `session` in the caller's transaction. Raise `Unprocessable` for an event no retry fixes."""


@dataclass(frozen=True)
class Refused:
    """A record that is no event this consumer can read: `kind` in one word, `reason` precisely."""

    kind: str
    reason: str


class Unprocessable(Exception):
    """Raised by a handler for an event that no retry can fix: it is dead-lettered at once."""


class DependencyUnavailable(Exception):
    """The database stayed unreachable through every attempt: the event is fine, so it is not
    dead-lettered; the consumer rewinds, pauses and reads it again."""


class DeadLetterSink(Protocol):
    async def send_and_wait(self, topic: str, *, value: Any, key: Any, headers: list[tuple[str, bytes]]) -> Any: ...


class EventConsumer:
    """The event handlers of one service; its name is the Kafka consumer group and the dedupe key."""

    def __init__(
        self,
        *,
        name: str,
        handlers: Mapping[type[EventData], Handler],
        sessions: async_sessionmaker[AsyncSession],
        dead_letters: DeadLetterSink,
        metrics: ServiceMetrics,
        max_attempts: int = 5,
        first_backoff_s: float = 0.1,
        redelivery_pause_s: float = 2.0,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self.name = name
        self._handlers = dict(handlers)
        self._sessions = sessions
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._max_attempts = max_attempts
        self._first_backoff_s = first_backoff_s
        self._redelivery_pause_s = redelivery_pause_s
        self._max_event_bytes = max_event_bytes
        self._handling = asyncio.Lock()  # held while a batch is handled; a rebalance waits for it
        self.kafka: AIOKafkaConsumer | None = None
        self.offsets: OffsetCommitter | None = None
        self._last_batch_at: float | None = None
        self._last_failure: str | None = None

    @property
    def topics(self) -> list[str]:
        return [topic.name for topic in handled_events(self._handlers)]

    def status(self) -> dict[str, Any]:
        """What this consumer is doing, for operators."""
        assigned = sorted(self.kafka.assignment()) if self.kafka is not None else []
        status: dict[str, Any] = {
            "group": self.name,
            "topics": self.topics,
            "partitions": [f"{tp.topic}/{tp.partition}" for tp in assigned],
            "last_batch_at": self._last_batch_at,
        }
        if self._last_failure:
            status["last_failure"] = self._last_failure
        return status

    # -- the loop ----------------------------------------------------------------------------------------

    async def run(self, kafka: AIOKafkaConsumer, *, max_records: int = 500) -> None:
        """Read and handle until cancelled; `kafka` is subscribed with `self.rebalance_listener()` and started."""
        self.kafka, self.offsets = kafka, OffsetCommitter(kafka)
        try:
            while True:
                batches = await kafka.getmany(timeout_ms=1000, max_records=max_records)
                if batches:
                    await self._handle_fetched(kafka, batches)
                self._observe_lag(kafka)
        finally:
            await self.offsets.close()

    async def _handle_fetched(self, kafka: AIOKafkaConsumer, batches: Mapping[TopicPartition, list[Any]]) -> None:
        records = [record for partition in batches.values() for record in partition]
        async with self._handling:
            try:
                await self.process(records)
            except Exception as exc:
                # Database down, or not even a dead letter could be written: read these again after a pause,
                # never skip them. Consumption waits until the dependency is back.
                self._last_failure = f"{time.strftime('%Y-%m-%dT%H:%M:%S')}: {type(exc).__name__}: {exc}"
                log.warning(
                    "%d events not handled, reading them again in %.1f s: %r",
                    len(records),
                    self._redelivery_pause_s,
                    exc,
                )
                for tp, partition in batches.items():
                    assert self.offsets is not None
                    self.offsets.forget(tp)
                    with contextlib.suppress(IllegalStateError):  # revoked meanwhile: its new owner reads it
                        kafka.seek(tp, partition[0].offset)
                failed = True
            else:
                assert self.offsets is not None
                for tp, partition in batches.items():
                    self.offsets.handled(tp, partition[-1].offset + 1)
                self._last_batch_at = time.time()
                failed = False
        if failed:
            await asyncio.sleep(self._redelivery_pause_s)

    def rebalance_listener(self) -> ConsumerRebalanceListener:
        return _CommitBeforeRevoke(self)

    def _observe_lag(self, kafka: AIOKafkaConsumer) -> None:
        assert self.offsets is not None
        for tp in kafka.assignment():
            highwater = kafka.highwater(tp)
            position = self.offsets.position(tp)
            if highwater is not None and position is not None:
                self._metrics.consumer_lag.labels(tp.topic, tp.partition).set(max(0, highwater - position))

    # -- one batch -----------------------------------------------------------------------------------------

    async def process(self, records: Sequence[Any]) -> None:
        """Handle fetched records to the end: each is handled, a duplicate, ignored or dead-lettered.

        Raises only when the database (or the dead-letter topic) stays unreachable: then nothing of the
        batch may be considered done, and the caller reads it again.
        """
        outcomes: Counter[tuple[str, str, str]] = Counter()
        work: list[tuple[Any, Envelope[Any]]] = []
        for record in records:
            envelope = self._read(record)
            if isinstance(envelope, Refused):
                await self._dead_letter(record, envelope.kind, envelope.reason, event_type="unknown")
                outcomes[(record.topic, "unknown", "dead_lettered")] += 1
                continue
            if type(envelope.data) in self._handlers:
                work.append((record, envelope))
            else:
                outcomes[(record.topic, envelope.type, "ignored")] += 1
        if work:
            started = time.perf_counter()
            try:
                await self._handle_together(work, outcomes)
            except Exception as exc:
                log.warning("a batch of %d events failed (%r); handling them one at a time", len(work), exc)
                for record, envelope in work:
                    outcome = await self._handle_alone(record, envelope)
                    outcomes[(record.topic, envelope.type, outcome)] += 1
            self._metrics.batch_duration.observe(time.perf_counter() - started)
            self._metrics.batch_size.observe(len(work))
        for (topic, event_type, outcome), count in outcomes.items():
            self._metrics.events_consumed.labels(topic, event_type, outcome).inc(count)

    def _read(self, record: Any) -> "Envelope[Any] | Refused":
        """The event in this record, or why it is none.

        The size is checked before anything is parsed; an event of a known type on another topic than its
        own is refused too (order per aggregate holds only on its own topic's partitions).
        """
        size = len(record.value or b"")
        if size > self._max_event_bytes:
            return Refused("too-large", f"value is {size} bytes, over this consumer's limit of {self._max_event_bytes}")
        try:
            envelope = decode(record.value, list(record.headers or ()))
        except MalformedEvent as exc:
            return Refused(exc.kind, str(exc))
        if envelope.topic != record.topic:
            return Refused("wrong-topic", f"{envelope.type} belongs on {envelope.topic}, not on {record.topic}")
        return envelope

    async def _handle_together(self, work: list[tuple[Any, Envelope[Any]]], outcomes: Counter[Any]) -> None:
        first_copies: dict[str, tuple[Any, Envelope[Any]]] = {}
        for record, envelope in work:
            first_copies.setdefault(envelope.id, ((record.topic, record.key), envelope))
        distinct = [envelope for _, envelope in first_copies.values()]
        counted: Counter[tuple[str, str, str]] = Counter()
        with _context_of(distinct):
            async with self._sessions() as session, session.begin():
                fresh = await claim(session, self.name, [e.id for e in distinct])
                new = [(aggregate, e) for aggregate, e in first_copies.values() if e.id in fresh]
                for handler, run in _runs(new, self._handlers):
                    await handler(session, run)
        for record, envelope in work:
            outcome = "handled" if envelope.id in fresh else "duplicate"
            fresh.discard(envelope.id)  # a second copy in the same batch is a duplicate
            counted[(record.topic, envelope.type, outcome)] += 1
        outcomes.update(counted)

    async def _handle_alone(self, record: Any, envelope: Envelope[Any]) -> str:
        handler = self._handlers[type(envelope.data)]
        backoff = self._first_backoff_s
        for attempt in range(1, self._max_attempts + 1):
            try:
                with _context_of([envelope]):
                    async with self._sessions() as session, session.begin():
                        if not await claim(session, self.name, [envelope.id]):
                            return "duplicate"
                        await handler(session, [envelope])
                return "handled"
            except Unprocessable as exc:
                await self._dead_letter(record, "unprocessable", str(exc), event_type=envelope.type)
                return "dead_lettered"
            except Exception as exc:
                if attempt == self._max_attempts and is_unavailable(exc):
                    raise DependencyUnavailable(f"{type(exc).__name__}: {exc}") from exc
                if attempt == self._max_attempts:
                    reason = f"{attempt} attempts, last: {type(exc).__name__}: {exc}"
                    await self._dead_letter(record, "failed", reason, event_type=envelope.type)
                    return "dead_lettered"
                self._metrics.handler_retries.labels(envelope.type).inc()
                log.warning("handler failed (attempt %d), retrying", attempt, exc_info=True)
                await asyncio.sleep(backoff)
                backoff *= 2
        raise AssertionError("unreachable")

    async def _dead_letter(self, record: Any, kind: str, reason: str, *, event_type: str) -> None:
        """The reason header reads `<kind>: <what exactly>`; the metric counts by kind."""
        await send_to_dead_letter(self._dead_letters, record, consumer=self.name, reason=f"{kind}: {reason}")
        self._metrics.dead_letters.labels(record.topic, kind).inc()
        log.error(
            "event dead-lettered",
            extra={
                "reason": f"{kind}: {reason}",
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "event_type": event_type,
            },
        )


def handled_events(handlers: Mapping[type[EventData], Handler]) -> dict[Topic, list[type[EventData]]]:
    """The event types handled, by topic (topics by name, types by type name)."""
    by_topic: dict[Topic, list[type[EventData]]] = {}
    for event in sorted(handlers, key=lambda e: (e.TOPIC.name, e.TYPE)):
        by_topic.setdefault(event.TOPIC, []).append(event)
    return by_topic


def _runs(
    events: Sequence[tuple[Any, Envelope[Any]]], handlers: Mapping[type[EventData], Handler]
) -> Iterator[tuple[Handler, list[Envelope[Any]]]]:
    """The events of a batch as few runs of one type as the order within each aggregate allows.

    `events` are (aggregate, event) in the order read; the aggregate is the record's topic and key, the unit
    whose order Kafka keeps. Each aggregate's events are cut where their type changes; the first pieces of
    every aggregate go first, grouped by type, then the second pieces, and so on. So an aggregate's events
    take effect in the order they were published, and a batch of 100 admissions (an organisation's event and
    its contact's three) is four runs of one type each, not 300. Order between aggregates is not Kafka's to
    keep and is not kept."""
    pieces: dict[Any, list[list[Envelope[Any]]]] = {}
    for aggregate, envelope in events:
        own = pieces.setdefault(aggregate, [])
        if own and type(own[-1][-1].data) is type(envelope.data):
            own[-1].append(envelope)
        else:
            own.append([envelope])
    for depth in range(max((len(own) for own in pieces.values()), default=0)):
        by_type: dict[type[EventData], list[Envelope[Any]]] = {}
        for own in pieces.values():
            if depth < len(own):
                by_type.setdefault(type(own[depth][0].data), []).extend(own[depth])
        for event_type, run in by_type.items():
            yield handlers[event_type], run


@contextlib.contextmanager
def _context_of(envelopes: Sequence[Envelope[Any]]) -> Iterator[None]:
    """Log lines name the event and continue its trace while a single event is handled."""
    single = envelopes[0] if len(envelopes) == 1 else None
    event_token = current_event_id.set(single.id if single else None)
    trace_token = current_traceparent.set(single.traceparent if single else None)
    try:
        yield
    finally:
        current_traceparent.reset(trace_token)
        current_event_id.reset(event_token)


class _CommitBeforeRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Partitions leave this replica only after the batch in hand is done and its offsets are committed,
    so the replica that takes them over starts right after what was handled here."""

    def __init__(self, consumer: EventConsumer) -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self._consumer._handling:
            if self._consumer.offsets is not None:
                await self._consumer.offsets.flush()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None
