"""The outbox relay: publishes committed outbox rows to Kafka, in order, then deletes them.

One replica per service publishes at a time (a PostgreSQL advisory lock held by the relay's connection),
so one aggregate's events leave in commit order; the others wait on standby and take over when that
connection dies. Rows are deleted only after Kafka acknowledged them (acks=all), so a crash at any point
republishes rather than loses; consumers drop the duplicates by event id.
"""

import asyncio
import contextlib
import inspect
import logging
import zlib
from typing import Any
from urllib.parse import urlencode

import asyncpg
from aiokafka import AIOKafkaProducer
from npd_contracts.envelope import encode_headers
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url

from npd_runtime.metrics import ServiceMetrics
from npd_runtime.outbox import NOTIFY_CHANNEL, OUTBOX_TABLE

log = logging.getLogger(__name__)

_SELECT = f"""
    SELECT position, event_id, topic, key, type, source, subject, time, data, traceparent
    FROM {OUTBOX_TABLE} ORDER BY position LIMIT $1
"""
_DELETE = f"DELETE FROM {OUTBOX_TABLE} WHERE position = ANY($1::bigint[])"

_DIALECT: Any = PGDialect_asyncpg  # SQLAlchemy's own translation of the URL, untyped
_CONNECT_PARAMETERS = frozenset(inspect.signature(asyncpg.connect).parameters) - {"dsn"}
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_creator_fn")


def asyncpg_connect_kwargs(database_url: str) -> dict[str, Any]:
    """asyncpg.connect() arguments for a SQLAlchemy URL, derived as the service's engine derives them.

    The asyncpg dialect turns the URL's query into keyword arguments (`?ssl=require`). Options asyncpg
    reads only from a libpq-style DSN (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`, ...) travel in one,
    so those URL forms work too instead of failing as unexpected arguments. A server that does not answer
    fails the attempt after 10 s (asyncpg waits 60) unless the URL says otherwise.
    """
    url = make_url(database_url)
    _, kwargs = _DIALECT().create_connect_args(url)
    for name in _DIALECT_ONLY:
        kwargs.pop(name, None)
    libpq = {name: kwargs.pop(name) for name in list(kwargs) if name not in _CONNECT_PARAMETERS}
    if libpq:
        kwargs["dsn"] = "postgresql://?" + urlencode(libpq, doseq=True)
    kwargs.setdefault("timeout", 10.0)
    return dict(kwargs)


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

    async def run(self) -> None:
        """Publish until cancelled, reconnecting after database or broker failures."""
        while True:
            try:
                await self._run_connected()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(self._retry_backoff_s)

    async def _run_connected(self) -> None:
        # Derived on every attempt: a URL asyncpg cannot use is a failure to retry, like a dead server.
        conn: asyncpg.Connection = await asyncpg.connect(**asyncpg_connect_kwargs(self._database_url))
        try:
            await self._become_active(conn)
            wake = asyncio.Event()
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: wake.set())
            wake.set()  # rows left unsent by an earlier crash are published first
            while True:
                try:
                    await asyncio.wait_for(wake.wait(), self._safety_poll_s)
                except TimeoutError:
                    # Only a safety net, which also notices a lost connection and refreshes the gauge.
                    self._metrics.outbox_backlog.set(await conn.fetchval(f"SELECT count(*) FROM {OUTBOX_TABLE}"))
                wake.clear()
                while await self.publish_batch(conn) == self._batch_size:
                    pass
        finally:
            self._metrics.relay_active.set(0)
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))

    async def _become_active(self, conn: asyncpg.Connection) -> None:
        # Another replica holds the lock; nothing signals its release, so standby polls for it.
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._lock_key):  # noqa: ASYNC110
            await asyncio.sleep(self._standby_poll_s)
        self._metrics.relay_active.set(1)
        log.info("outbox relay active")

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        """Publish the oldest unsent rows; returns how many were published (and deleted)."""
        rows = await conn.fetch(_SELECT, self._batch_size)
        if not rows:
            return 0
        pending = []
        for row in rows:
            headers = encode_headers(
                id=row["event_id"],
                source=row["source"],
                type=row["type"],
                time=row["time"],
                subject=row["subject"],
                traceparent=row["traceparent"],
            )
            # send() only enqueues: the whole batch is in flight at once, still in order per partition.
            pending.append(
                await self._producer.send(
                    row["topic"], value=row["data"].encode(), key=row["key"].encode(), headers=headers
                )
            )
        await asyncio.gather(*pending)
        await conn.execute(_DELETE, [row["position"] for row in rows])
        for row in rows:
            self._metrics.events_published.labels(row["topic"], row["type"]).inc()
        return len(rows)
