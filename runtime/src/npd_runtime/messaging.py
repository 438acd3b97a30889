"""The Kafka side of a service process: the producer (for the outbox relay and dead letters), the relay and
the consumer, started in the background and restarted with backoff.

HTTP needs only the database: the outbox keeps events until the broker is back, so a service starts and
serves while Kafka is away, and its readiness does not depend on the broker. What the Kafka side is
doing is in `status()` (shown by /status) and in the metrics.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from npd_contracts import EventData
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from npd_runtime.consumer import EventConsumer, Handler
from npd_runtime.kafka import connection_options, create_producer
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.relay import OutboxRelay
from npd_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 30.0


def create_kafka_consumer(settings: ServiceSettings, group_id: str) -> AIOKafkaConsumer:
    """Offsets are committed by npd_runtime.offsets after the effects, never automatically.

    A fetch returns as soon as one record is there (fetch_min_bytes=1), so the longest wait only decides how
    often an idle consumer asks the broker again: 500 ms (Kafka's default) rather than 100 ms spares the
    broker four requests in five without delaying any event.
    """
    return AIOKafkaConsumer(
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=500,
        max_partition_fetch_bytes=1 << 20,
        **connection_options(settings),
    )


class Messaging:
    def __init__(
        self,
        *,
        name: str,
        settings: ServiceSettings,
        sessions: async_sessionmaker[AsyncSession],
        metrics: ServiceMetrics,
        handlers: Mapping[type[EventData], Handler],
    ) -> None:
        self._name = name
        self._settings = settings
        self._sessions = sessions
        self._metrics = metrics
        self._handlers = handlers
        self.producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.consumer: EventConsumer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._kafka_error: str | None = None
        self._connected_since: float | None = None

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._run(), name=f"{self._name}-messaging"))

    async def _run(self) -> None:
        self.producer = await self._started(lambda: create_producer(self._settings, client_id=f"{self._name}-relay"))
        self._connected_since = time.time()
        if self._settings.relay_enabled:
            self.relay = OutboxRelay(
                service=self._name,
                database_url=self._settings.database_url,
                producer=self.producer,
                metrics=self._metrics,
                round_interval_s=self._settings.relay_round_interval_ms / 1000,
            )
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self._name}-relay"))
        if self._handlers:
            self.consumer = EventConsumer(
                name=self._name,
                handlers=self._handlers,
                sessions=self._sessions,
                dead_letters=self.producer,
                metrics=self._metrics,
                max_attempts=self._settings.consumer_max_attempts,
                max_event_bytes=self._settings.consumer_max_event_bytes,
            )
            self._tasks.append(asyncio.create_task(self._consume(self.consumer), name=f"{self._name}-consumer"))

    async def _consume(self, consumer: EventConsumer) -> None:
        def subscribed() -> AIOKafkaConsumer:
            kafka = create_kafka_consumer(self._settings, self._name)
            kafka.subscribe(consumer.topics, listener=consumer.rebalance_listener())
            return kafka

        kafka = await self._started(subscribed)
        try:
            await consumer.run(kafka, max_records=self._settings.consumer_batch_size)
        finally:
            await kafka.stop()

    async def _started(self, make: Any) -> Any:
        """A started Kafka client; while the broker cannot be reached, try again with growing pauses."""
        backoff = 0.5
        while True:
            client = make()
            try:
                await client.start()
            except asyncio.CancelledError:
                await asyncio.shield(client.stop())
                raise
            except Exception as exc:
                with contextlib.suppress(Exception):
                    await client.stop()
                self._kafka_error = f"{type(exc).__name__}: {exc}"
                log.warning("Kafka not reachable (%s); trying again in %.1f s", self._kafka_error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            self._kafka_error = None
            return client

    async def stop(self) -> None:
        # The consumer first, so its last offsets are committed; then the relay; the producer last.
        for task in reversed(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self.producer is not None:
            await self.producer.stop()

    def summary(self) -> dict[str, str]:
        """One word each for the Kafka connection and the relay (the full picture is status())."""
        relay = self.relay.status()["state"] if self.relay is not None else None
        return {
            "kafka": "connected" if self.producer is not None else "connecting",
            "relay": str(relay or ("disabled" if not self._settings.relay_enabled else "starting")),
        }

    def status(self) -> dict[str, Any]:
        """What the Kafka side is doing, for operators (not a readiness condition)."""
        kafka: dict[str, Any] = {"state": "connected" if self.producer is not None else "connecting"}
        if self._kafka_error:
            kafka["last_error"] = self._kafka_error
        status: dict[str, Any] = {"kafka": kafka}
        if self.relay is not None:
            status["relay"] = self.relay.status()
        elif not self._settings.relay_enabled:
            status["relay"] = {"state": "disabled"}
        if self.consumer is not None:
            status["consumer"] = self.consumer.status()
        return status
