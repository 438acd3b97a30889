"""The outbox relay: publishes committed outbox rows to Kafka, in order, then deletes them.

One replica per service publishes at a time (a PostgreSQL advisory lock held by the relay's connection),
so one aggregate's events leave in commit order; the others wait on standby and take over when that
connection dies. Rows are deleted only after Kafka acknowledged them (acks=all), so a crash at any point
republishes rather than loses; consumers drop the duplicates by event id.

Batches are pipelined: while Kafka acknowledges one, the next is read and handed to the producer behind
it (per partition, in order). Its deletes commit without waiting for the WAL flush: one lost to a database
crash only means those events are published again. The relay keeps an in-memory status (`status()`) and
metrics an alert can use: its state, failures, the age of the oldest unsent row, its last publish.
"""

import asyncio
import contextlib
import logging
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
from aiokafka import AIOKafkaProducer
from npd_contracts.envelope import encode_headers
from prometheus_client import Counter

from npd_runtime.db import asyncpg_connect_kwargs
from npd_runtime.kafka import murmur2_many
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.outbox import NOTIFY_CHANNEL, OUTBOX_TABLE

log = logging.getLogger(__name__)

State = Literal["starting", "standby", "active", "failing", "stopped"]
STATES: tuple[State, ...] = ("starting", "standby", "active", "failing", "stopped")

# The oldest rows not already on their way (a row that committed late may sit below those in flight).
_SELECT = f"""
    SELECT position, event_id, topic, key, type, source, subject, time, data, traceparent,
           extract(epoch FROM statement_timestamp() - created_at)::float8
    FROM {OUTBOX_TABLE} WHERE position > $2 OR position <> ALL($3::bigint[])
    ORDER BY position LIMIT $1
"""
_DELETE = f"DELETE FROM {OUTBOX_TABLE} WHERE position = ANY($1::bigint[])"
_BACKLOG = f"SELECT count(*), extract(epoch FROM statement_timestamp() - min(created_at))::float8 FROM {OUTBOX_TABLE}"


def relay_lock_key(service: str) -> int:
    """A stable advisory-lock key per service (services own separate databases, but may share one in dev)."""
    return zlib.crc32(f"npd-outbox-relay:{service}".encode())


@dataclass
class _Batch:
    """Rows handed to the producer: deleted once every ack in `acks` arrived, in order."""

    positions: list[int]
    oldest_age_s: float  # of its first row, when read
    read_at: float  # monotonic
    acks: list[asyncio.Future[Any]] = field(default_factory=list)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # per (topic, type)

    def abandon(self) -> None:
        # The acks are shields: cancelling them leaves the records to the producer and stops warnings.
        for ack in self.acks:
            ack.cancel()


def _iso(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat()


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        database_url: str,
        producer: AIOKafkaProducer,
        metrics: ServiceMetrics,
        batch_size: int = 500,
        safety_poll_s: float = 5.0,
        standby_poll_s: float = 2.0,
        retry_backoff_s: float = 1.0,
    ) -> None:
        self._database_url = database_url
        self._lock_key = relay_lock_key(service)
        self._producer = producer
        self._metrics = metrics
        self._batch_size = batch_size
        self._safety_poll_s = safety_poll_s
        self._standby_poll_s = standby_poll_s
        self._retry_backoff_s = retry_backoff_s
        self._published: dict[tuple[str, str], Counter] = {}
        self._state: State = "starting"
        self._state_since = time.time()
        self._failures = 0
        self._last_error: str | None = None
        self._last_error_at: float | None = None
        self._last_published_at: float | None = None
        self._backlog: int | None = None
        self._backlog_seen_at: float | None = None
        self._oldest: tuple[float, float] | None = None  # (age in seconds, monotonic time it was seen)
        self._set_state("starting", force=True)

    def status(self) -> dict[str, Any]:
        """What the relay is doing and when it last succeeded or failed; timestamps in ISO 8601 UTC."""
        return {
            "state": self._state,
            "since": _iso(self._state_since),
            "failures": self._failures,
            "last_error": self._last_error,
            "last_error_at": _iso(self._last_error_at),
            "last_published_at": _iso(self._last_published_at),
            "backlog": self._backlog,
            "backlog_seen_at": _iso(self._backlog_seen_at),
            "oldest_event_age_seconds": round(self.oldest_event_age(), 3),
        }

    def oldest_event_age(self) -> float:
        """Seconds the oldest unsent row has waited, as last seen and counting on; 0 if there was none."""
        if self._oldest is None:
            return 0.0
        age, seen_at = self._oldest
        return max(0.0, age + time.monotonic() - seen_at)

    async def run(self) -> None:
        """Publish until cancelled, reconnecting after database or broker failures."""
        self._metrics.outbox_oldest_event_age.set_function(self.oldest_event_age)
        try:
            while True:
                try:
                    await self._run_connected()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._failed(exc)
                    await asyncio.sleep(self._retry_backoff_s)
        finally:
            self._oldest = None
            self._set_state("stopped")

    def _failed(self, exc: Exception) -> None:
        first = self._state != "failing"
        self._failures += 1
        self._last_error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        self._last_error_at = time.time()
        self._metrics.relay_failures.inc()
        self._set_state("failing")
        if first:
            log.exception("outbox relay failed; retrying every %.1f s", self._retry_backoff_s)
        else:
            log.warning("outbox relay still failing: %s", self._last_error)

    def _set_state(self, state: State, force: bool = False) -> None:
        if state == self._state and not force:
            return
        self._state, self._state_since = state, time.time()
        for name in STATES:
            self._metrics.relay_state.labels(name).set(1 if name == state else 0)

    async def _run_connected(self) -> None:
        # Derived on every attempt: a URL asyncpg cannot use is a failure to report, like a dead server.
        conn: asyncpg.Connection = await asyncpg.connect(**asyncpg_connect_kwargs(self._database_url))
        try:
            await conn.execute("SET synchronous_commit = off")  # see the module's docstring
            await self._become_active(conn)
            wake = asyncio.Event()
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: wake.set())
            wake.set()  # rows left unsent by an earlier crash are published first
            while True:
                try:
                    await asyncio.wait_for(wake.wait(), self._safety_poll_s)
                except TimeoutError:
                    # Only a safety net, which also notices a lost connection and refreshes the backlog.
                    await self._observe_backlog(conn)
                wake.clear()
                await self._drain(conn)
        finally:
            self._metrics.relay_active.set(0)
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))

    async def _become_active(self, conn: asyncpg.Connection) -> None:
        # Another replica holds the lock; nothing signals its release, so standby polls for it. Meanwhile it
        # watches the backlog too, so a stuck active replica still shows as an ageing outbox.
        observed = float("-inf")
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._lock_key):
            self._set_state("standby")
            if time.monotonic() - observed >= self._safety_poll_s:
                await self._observe_backlog(conn)
                observed = time.monotonic()
            await asyncio.sleep(self._standby_poll_s)
        self._metrics.relay_active.set(1)
        await self._observe_backlog(conn)
        log.info("outbox relay active; %d events waiting", self._backlog or 0)

    async def _observe_backlog(self, conn: asyncpg.Connection) -> None:
        count, age = await conn.fetchrow(_BACKLOG)
        self._oldest = None if age is None else (age, time.monotonic())
        self._set_backlog(count)

    def _set_backlog(self, count: int) -> None:
        self._backlog, self._backlog_seen_at = count, time.time()
        self._metrics.outbox_backlog.set(count)

    async def _drain(self, conn: asyncpg.Connection) -> None:
        """Publish until a read comes back short of a full batch.

        Kafka acknowledges a batch while the next is read; the database deletes an acknowledged batch while
        the next is turned into records. Rows are deleted only once every ack of theirs is in.
        """
        pending: list[_Batch] = []  # (being) handed to the producer and not yet deleted; at most two
        deleting: asyncio.Task[None] | None = None
        try:
            while True:
                exclude = pending[0].positions if pending else []
                rows = await conn.fetch(_SELECT, self._batch_size, exclude[-1] if exclude else 0, exclude)
                if pending and all(ack.done() for ack in pending[0].acks):
                    deleting = asyncio.create_task(self._confirm(conn, pending.pop(0)))
                    await asyncio.sleep(0)  # the DELETE is on its way before the CPU-bound part starts
                if rows:
                    pending.append(_Batch([row[0] for row in rows], oldest_age_s=rows[0][10], read_at=time.monotonic()))
                    await self._send(rows, pending[-1])
                if deleting is not None:
                    await deleting
                    deleting = None
                if len(pending) == 2:
                    await self._confirm(conn, pending.pop(0))
                self._track_oldest(pending)
                if len(rows) < self._batch_size:
                    break
            while pending:
                await self._confirm(conn, pending.pop(0))
            self._track_oldest(pending)
            self._set_backlog(0)
            self._set_state("active")
        finally:
            if deleting is not None:
                deleting.cancel()
                await asyncio.gather(deleting, return_exceptions=True)
            for batch in pending:
                batch.abandon()

    async def _send(self, rows: list[asyncpg.Record], batch: _Batch) -> None:
        """Hand rows to the producer as one record batch per partition (no per-record send() calls)."""
        producer, counts = self._producer, batch.counts
        keys = [row[3].encode() for row in rows]
        hashes = murmur2_many(keys)
        partitions: dict[str, list[int]] = {}
        builders: dict[tuple[str, int], Any] = {}
        for row, key, hash_ in zip(rows, keys, hashes, strict=True):
            _, event_id, topic, _, type_, source, subject, at, data, traceparent, _ = row
            ids = partitions.get(topic)
            if ids is None:
                ids = partitions[topic] = sorted(await producer.partitions_for(topic))
            # Kafka's default partitioner, as producer.send() would choose: consumers rely on it.
            partition = ids[(hash_ & 0x7FFFFFFF) % len(ids)]
            headers = encode_headers(
                id=event_id, source=source, type=type_, time=at, subject=subject, traceparent=traceparent
            )
            value = data.encode()
            builder = builders.get((topic, partition))
            if builder is None:
                builder = builders[topic, partition] = producer.create_batch()
            if builder.append(key=key, value=value, timestamp=None, headers=headers) is None:
                # Full: it leaves now, and the partition's next records queue behind it.
                batch.acks.append(await self._submit(builder, topic, partition))
                builder = builders[topic, partition] = producer.create_batch()
                builder.append(key=key, value=value, timestamp=None, headers=headers)
            counts[topic, type_] = counts.get((topic, type_), 0) + 1
        for (topic, partition), builder in builders.items():
            batch.acks.append(await self._submit(builder, topic, partition))

    async def _submit(self, builder: Any, topic: str, partition: int) -> asyncio.Future[Any]:
        builder.close()
        ack: asyncio.Future[Any] = await self._producer.send_batch(builder, topic, partition=partition)
        return ack

    async def _confirm(self, conn: asyncpg.Connection, batch: _Batch) -> None:
        """Wait for the batch's acks (acks=all), then delete its rows."""
        for ack in batch.acks:
            await ack
        await conn.execute(_DELETE, batch.positions)
        for (topic, type_), n in batch.counts.items():
            self._published_counter(topic, type_).inc(n)
        self._last_published_at = time.time()
        self._metrics.relay_last_publish.set(self._last_published_at)
        if self._backlog is not None:
            self._set_backlog(max(0, self._backlog - len(batch.positions)))
        self._set_state("active")

    def _track_oldest(self, pending: list[_Batch]) -> None:
        self._oldest = (pending[0].oldest_age_s, pending[0].read_at) if pending else None

    def _published_counter(self, topic: str, type_: str) -> Counter:
        counter = self._published.get((topic, type_))
        if counter is None:
            counter = self._published[topic, type_] = self._metrics.events_published.labels(topic, type_)
        return counter
