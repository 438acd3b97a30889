"""The relay's loop: wake on commit, then publish in rounds of one statement each, at most one round per
`round_interval_s`: a commit after a quiet spell leaves at once, and commits that land sooner after a round
wait for the next one together (one read, one produce request, one fetch and one consumer transaction
downstream), at most `round_interval_s`.

A round is one statement on the relay's connection: it deletes the rows Kafka acknowledged in the round
before and reads the next rows to send (a data-modifying WITH runs to completion whatever its SELECT
does), so a lone event costs one round trip to PostgreSQL, not a read and a delete. Rows acknowledged in
the last round of a burst are deleted by the next round, or after `idle_delete_s` without one; a crash
in between republishes them, as a crash between publish and delete always did. Rows on their way or
acknowledged but not yet deleted are excluded from the read by position, so a row that commits late
below them still leaves. While Kafka acknowledges one batch the next is read and handed to the producer
behind it (per partition, in order). The relay's statements commit without waiting for the WAL flush:
a delete lost to a database crash only means those events are published again.
"""

import asyncio
import contextlib
import logging
import time
import zlib
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from npd_runtime.db import asyncpg_connect_kwargs
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.outbox import NOTIFY_CHANNEL, OUTBOX_TABLE
from npd_runtime.relay.health import RelayHealth
from npd_runtime.relay.records import COLUMNS, Batch, send

log = logging.getLogger("npd_runtime.relay")

# $1 batch size; $2, $3 rows not to read (on their way or being deleted): above $2, or not in $3; $4 the
# rows Kafka acknowledged, deleted by this statement.
_ROUND = f"""
    WITH sent AS (DELETE FROM {OUTBOX_TABLE} WHERE position = ANY($4::bigint[]))
    SELECT {COLUMNS}, extract(epoch FROM statement_timestamp() - created_at)::float8
    FROM {OUTBOX_TABLE} WHERE position > $2 OR position <> ALL($3::bigint[])
    ORDER BY position LIMIT $1
"""
_DELETE = f"DELETE FROM {OUTBOX_TABLE} WHERE position = ANY($1::bigint[])"
# Deletes what was acknowledged ($1) and counts what is left.
_BACKLOG = f"""
    WITH sent AS (DELETE FROM {OUTBOX_TABLE} WHERE position = ANY($1::bigint[]))
    SELECT count(*), extract(epoch FROM statement_timestamp() - min(created_at))::float8
    FROM {OUTBOX_TABLE} WHERE position <> ALL($1::bigint[])
"""


def relay_lock_key(service: str) -> int:
    """A stable advisory-lock key per service (services own separate databases, but may share one in dev)."""
    return zlib.crc32(f"npd-outbox-relay:{service}".encode())


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        database_url: str,
        producer: AIOKafkaProducer,
        metrics: ServiceMetrics,
        batch_size: int = 500,
        round_interval_s: float = 0.0,
        idle_delete_s: float = 0.5,
        safety_poll_s: float = 5.0,
        standby_poll_s: float = 2.0,
        retry_backoff_s: float = 1.0,
    ) -> None:
        self._database_url = database_url
        self._lock_key = relay_lock_key(service)
        self._producer = producer
        self._batch_size = batch_size
        self._round_interval_s = round_interval_s
        self._round_at = float("-inf")  # monotonic start of the last round
        self._idle_delete_s = idle_delete_s
        self._safety_poll_s = safety_poll_s
        self._standby_poll_s = standby_poll_s
        self._health = RelayHealth(metrics, retry_backoff_s)
        self._retry_backoff_s = retry_backoff_s
        # Acknowledged by Kafka, not yet deleted. Positions are never reused, so deleting them later, even
        # after a reconnect or another replica's turn, can only remove rows that were published.
        self._sent: list[int] = []

    def status(self) -> dict[str, Any]:
        """What the relay is doing and when it last succeeded or failed; timestamps in ISO 8601 UTC."""
        return self._health.status()

    def oldest_event_age(self) -> float:
        """Seconds the oldest unsent row has waited, as last seen and counting on; 0 if there was none."""
        return self._health.oldest_event_age()

    async def run(self) -> None:
        """Publish until cancelled, reconnecting after database or broker failures."""
        self._health.metrics.outbox_oldest_event_age.set_function(self.oldest_event_age)
        try:
            while True:
                try:
                    await self._run_connected()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._health.failed(exc)
                    await asyncio.sleep(self._retry_backoff_s)
        finally:
            self._health.oldest_seen(None)
            self._health.set_state("stopped")

    async def _run_connected(self) -> None:
        # Derived on every attempt: a URL asyncpg cannot use is a failure to report, like a dead server.
        conn: asyncpg.Connection = await asyncpg.connect(**asyncpg_connect_kwargs(self._database_url))
        try:
            await conn.execute("SET synchronous_commit = off")  # see the module's docstring
            await self._become_active(conn)
            wake = asyncio.Event()
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: wake.set())
            # A connection cut while idle (a failover, a reaper) would otherwise go unnoticed until the safety
            # poll, and no NOTIFY arrives meanwhile: wake, so the next statement fails and the relay reconnects.
            conn.add_termination_listener(lambda *_: wake.set())
            wake.set()  # rows left unsent by an earlier crash are published first
            while True:
                try:
                    await asyncio.wait_for(wake.wait(), self._idle_delete_s if self._sent else self._safety_poll_s)
                except TimeoutError:
                    # Quiet: delete what was sent; as a safety net, this also notices a lost connection and
                    # rows whose NOTIFY was missed.
                    if not await self._observe_backlog(conn):
                        continue
                else:
                    await asyncio.sleep(self._round_at + self._round_interval_s - time.monotonic())
                wake.clear()
                self._round_at = time.monotonic()
                await self._drain(conn)
        finally:
            self._health.metrics.relay_active.set(0)
            with contextlib.suppress(Exception):
                await asyncio.shield(self._close(conn))

    async def _close(self, conn: asyncpg.Connection) -> None:
        if self._sent and not conn.is_closed():
            await conn.execute(_DELETE, self._sent, timeout=2)
            self._sent = []
        await conn.close(timeout=2)

    async def _become_active(self, conn: asyncpg.Connection) -> None:
        # Another replica holds the lock; nothing signals its release, so standby polls for it. Meanwhile it
        # watches the backlog too, so a stuck active replica still shows as an ageing outbox.
        observed = float("-inf")
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._lock_key):
            self._health.set_state("standby")
            if time.monotonic() - observed >= self._safety_poll_s:
                await self._observe_backlog(conn)
                observed = time.monotonic()
            await asyncio.sleep(self._standby_poll_s)
        self._health.metrics.relay_active.set(1)
        await self._observe_backlog(conn)
        log.info("outbox relay active; %d events waiting", self._health.backlog or 0)

    async def _observe_backlog(self, conn: asyncpg.Connection) -> int:
        """Delete what was acknowledged; count and age what waits; returns the count."""
        count, age = await conn.fetchrow(_BACKLOG, self._sent)
        self._sent = []
        self._health.oldest_seen(age)
        self._health.set_backlog(count)
        return int(count)

    async def _drain(self, conn: asyncpg.Connection) -> None:
        """Publish until a read comes back short of a full batch; what Kafka acknowledged is in `_sent`."""
        pending: list[Batch] = []  # handed to the producer, not all acknowledged; at most two
        try:
            while True:
                while pending and pending[0].acknowledged():
                    await self._published(pending.pop(0))
                excluded = self._sent + [p for batch in pending for p in batch.positions]
                rows = await conn.fetch(_ROUND, self._batch_size, max(excluded, default=0), excluded, self._sent)
                self._sent = []
                if rows:
                    positions = [row[0] for row in rows]
                    pending.append(Batch(positions, oldest_age_s=rows[0][10], read_at=time.monotonic()))
                    await send(self._producer, rows, pending[-1])
                if len(pending) == 2:
                    await self._published(pending.pop(0))
                self._track_oldest(pending)
                if len(rows) < self._batch_size:
                    break
            while pending:
                await self._published(pending.pop(0))
            self._track_oldest(pending)
            self._health.set_backlog(0)
            self._health.set_state("active")
        finally:
            for batch in pending:
                batch.abandon()

    async def _published(self, batch: Batch) -> None:
        await batch.wait()
        self._sent += batch.positions
        self._health.published(batch.counts, len(batch.positions))

    def _track_oldest(self, pending: list[Batch]) -> None:
        if pending:
            self._health.oldest_seen(pending[0].oldest_age_s, pending[0].read_at)
        else:
            self._health.oldest_seen(None)
