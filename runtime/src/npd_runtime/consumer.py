"""Consuming events: decode, deduplicate, handle in one transaction, retry a bounded number of times,
dead-letter what still fails, and only then commit the offset.

FastStream's defaults are not used: its default ack policy commits before handling (at most once) and it
has no dead-letter support for Kafka. Each subscription here runs with AckPolicy.MANUAL, and offsets are
committed by an OffsetCommitter once the effect is committed.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from npd_contracts import Envelope, EventData, MalformedEvent, decode
from npd_contracts.topics import Topic
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from npd_runtime.db import UNAVAILABLE_ERRORS
from npd_runtime.deadletter import send_to_dead_letter
from npd_runtime.inbox import first_delivery
from npd_runtime.logs import current_event_id
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.offsets import OffsetCommitter
from npd_runtime.tracing import current_traceparent

log = logging.getLogger(__name__)

E = TypeVar("E", bound=EventData)
Handler = Callable[[AsyncSession, E, Envelope], Awaitable[None]]


class Unprocessable(Exception):
    """Raised by a handler for an event that no retry can fix: it is dead-lettered at once."""


class DependencyUnavailable(Exception):
    """The database stayed unreachable through every attempt: the event is fine, so it is not
    dead-lettered; the consumer pauses and reads it again."""


class EventConsumer:
    """The consumers of one service; its name is the Kafka consumer group and the dedupe key."""

    def __init__(
        self,
        *,
        name: str,
        processed_events: Table,
        max_attempts: int = 5,
        first_backoff_s: float = 0.1,
        redelivery_pause_s: float = 2.0,
    ) -> None:
        self.name = name
        self._processed = processed_events
        self._max_attempts = max_attempts
        self._first_backoff_s = first_backoff_s
        self._redelivery_pause_s = redelivery_pause_s
        self._handlers: dict[type[EventData], Handler[Any]] = {}
        self._topics: list[Topic] = []
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._producer: AIOKafkaProducer | None = None
        self._metrics_: ServiceMetrics | None = None
        self._offsets = OffsetCommitter()

    def on(self, event: type[E], handler: Handler[E]) -> None:
        if event in self._handlers:
            raise ValueError(f"{event.__name__} already has a handler")
        self._handlers[event] = handler
        if event.TOPIC not in self._topics:
            self._topics.append(event.TOPIC)

    def handled_events(self) -> dict[Topic, list[type[EventData]]]:
        """The event types this consumer handles, by topic."""
        return {t: sorted((e for e in self._handlers if t == e.TOPIC), key=lambda e: e.TYPE) for t in self._topics}

    def attach(
        self,
        broker: KafkaBroker,
        sessions: async_sessionmaker[AsyncSession],
        metrics: ServiceMetrics,
    ) -> None:
        """Subscribe to every topic a handler needs; call before the broker starts."""
        self._sessions, self._metrics_ = sessions, metrics
        for topic in self._topics:
            handled = ", ".join(e.TYPE for e in self.handled_events()[topic])
            subscriber = broker.subscriber(
                topic.name,
                group_id=self.name,
                ack_policy=AckPolicy.MANUAL,
                auto_offset_reset="earliest",
                fetch_max_wait_ms=100,
                decoder=_the_message_itself,
                title=f"{self.name}:{topic.name}",
                description=f"Handles {handled}; other types on this topic are skipped.",
            )
            subscriber(self._on_message)

    def use_producer(self, producer: AIOKafkaProducer) -> None:
        """The started producer that writes dead letters; set before the broker starts."""
        self._producer = producer

    @property
    def _metrics(self) -> ServiceMetrics:
        assert self._metrics_ is not None, "attach() the consumer first"
        return self._metrics_

    async def _on_message(self, msg: Any) -> None:
        assert isinstance(msg, KafkaMessage)
        record = msg.raw_message
        try:
            await self.process(record)
        except Exception as exc:
            # Database down, or not even the dead letter could be written: rewind and read it again after a
            # pause, never skip it. Consumption of this partition waits until the dependency is back.
            log.warning("event not handled, redelivering in %.1f s: %r", self._redelivery_pause_s, exc)
            self._offsets.forget(record)
            await asyncio.sleep(self._redelivery_pause_s)
            await msg.nack()
            return
        self._offsets.handled(msg.consumer, record)
        self._observe_lag(msg.consumer, record)

    def _observe_lag(self, consumer: Any, record: Any) -> None:
        highwater = consumer.highwater(TopicPartition(record.topic, record.partition))
        if highwater is not None:
            lag = max(0, highwater - record.offset - 1)
            self._metrics.consumer_lag.labels(record.topic, record.partition).set(lag)

    async def close(self) -> None:
        """Commit what was handled; call before the broker stops."""
        await self._offsets.close()

    async def process(self, record: Any) -> None:
        """Handle one Kafka record to the end: handled, duplicate, ignored or dead-lettered."""
        topic = record.topic
        try:
            envelope = decode(record.value, list(record.headers or ()))
        except MalformedEvent as exc:
            await self._dead_letter(record, f"malformed: {exc}", event_type="unknown")
            self._metrics.events_consumed.labels(topic, "unknown", "dead_lettered").inc()
            return
        handler = self._handlers.get(type(envelope.data))
        if handler is None:
            self._metrics.events_consumed.labels(topic, envelope.type, "ignored").inc()
            return
        event_token = current_event_id.set(envelope.id)
        trace_token = current_traceparent.set(envelope.traceparent)
        try:
            outcome = await self._handle_with_retries(handler, envelope, record)
        finally:
            current_traceparent.reset(trace_token)
            current_event_id.reset(event_token)
        self._metrics.events_consumed.labels(topic, envelope.type, outcome).inc()

    async def _handle_with_retries(self, handler: Handler[Any], envelope: Envelope, record: Any) -> str:
        backoff = self._first_backoff_s
        for attempt in range(1, self._max_attempts + 1):
            started = time.perf_counter()
            try:
                handled = await self._handle_once(handler, envelope)
            except Unprocessable as exc:
                await self._dead_letter(record, f"unprocessable: {exc}", event_type=envelope.type)
                return "dead_lettered"
            except Exception as exc:
                if attempt == self._max_attempts and isinstance(exc, UNAVAILABLE_ERRORS):
                    raise DependencyUnavailable(f"{type(exc).__name__}: {exc}") from exc
                if attempt == self._max_attempts:
                    reason = f"failed {attempt} times, last: {type(exc).__name__}: {exc}"
                    await self._dead_letter(record, reason, event_type=envelope.type)
                    return "dead_lettered"
                self._metrics.handler_retries.labels(envelope.type).inc()
                log.warning("handler failed (attempt %d), retrying", attempt, exc_info=True)
                await asyncio.sleep(backoff)
                backoff *= 2
                continue
            self._metrics.handler_duration.labels(envelope.type).observe(time.perf_counter() - started)
            return "handled" if handled else "duplicate"
        raise AssertionError("unreachable")

    async def _handle_once(self, handler: Handler[Any], envelope: Envelope) -> bool:
        assert self._sessions is not None, "attach() the consumer first"
        async with self._sessions() as session, session.begin():
            if not await first_delivery(session, self._processed, self.name, envelope.id):
                return False
            await handler(session, envelope.data, envelope)
            return True

    async def _dead_letter(self, record: Any, reason: str, *, event_type: str) -> None:
        assert self._producer is not None, "attach() the consumer first"
        await send_to_dead_letter(self._producer, record, consumer=self.name, reason=reason)
        self._metrics.dead_letters.labels(record.topic).inc()
        log.error(
            "event dead-lettered",
            extra={
                "reason": reason,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "event_type": event_type,
            },
        )


async def _the_message_itself(msg: Any) -> Any:
    """Hand the handler FastStream's message whole, undecoded.

    Decoding is `decode`'s, so a bad value reaches our dead-letter path instead of FastStream's. And the
    handler needs the record and its consumer: receiving them as its body, not through a context
    annotation, spares a worker-thread hop per message (FastStream resolves context fields on threads).
    """
    return msg
