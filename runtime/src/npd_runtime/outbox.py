"""Transactional outbox: an event is an outbox row written in the same transaction as the change it reports.

The relay (relay.py) publishes rows in `position` order and deletes them once Kafka has them.
An insert trigger sends NOTIFY, which PostgreSQL delivers at commit, so the relay wakes the moment the
transaction is durable and never sees a row that might still roll back.
"""

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from npd_contracts import Envelope, EventData
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Insert,
    MetaData,
    String,
    Table,
    Text,
    Update,
    bindparam,
    func,
    insert,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from npd_runtime.idempotency import processed_events_table
from npd_runtime.tracing import current_traceparent

OUTBOX_TABLE = "outbox"
NOTIFY_CHANNEL = "npd_outbox"


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        OUTBOX_TABLE,
        metadata,
        Column("position", BigInteger, Identity(always=True), primary_key=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(255), nullable=False),
        Column("key", String(255), nullable=False),
        Column("type", String(255), nullable=False),
        Column("source", String(255), nullable=False),
        Column("subject", String(255), nullable=False),
        Column("time", DateTime(timezone=True), nullable=False),
        Column("data", Text, nullable=False),
        Column("traceparent", String(55)),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_outbox_created_at", "created_at"),
    )


def messaging_tables(metadata: MetaData) -> None:
    """Add the tables the runtime keeps in every service's database (its outbox and its processed-events
    record) to the service's metadata, so its migrations and `alembic check` know them."""
    outbox_table(metadata)
    processed_events_table(metadata)


def notify_trigger_ddl() -> list[str]:
    """Statements a migration runs after creating the outbox table (and the reverse for downgrade)."""
    return [
        f"""
        CREATE FUNCTION {OUTBOX_TABLE}_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE TRIGGER {OUTBOX_TABLE}_notify AFTER INSERT ON {OUTBOX_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {OUTBOX_TABLE}_notify()
        """,
    ]


def drop_notify_trigger_ddl() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {OUTBOX_TABLE}_notify ON {OUTBOX_TABLE}",
        f"DROP FUNCTION IF EXISTS {OUTBOX_TABLE}_notify()",
    ]


async def add_events(session: AsyncSession, table: Table, *envelopes: Envelope[EventData]) -> None:
    """Write events to the outbox in the caller's transaction; they leave only if it commits.

    Each carries the current trace context unless it has its own.
    """
    if not envelopes:
        return
    await session.execute(_insert_into(table), [_row(e) for e in envelopes])


def _row(e: Envelope[EventData]) -> dict[str, Any]:
    return {
        "event_id": e.id,
        "topic": e.topic,
        "key": e.subject,
        "type": e.type,
        "source": e.source,
        "subject": e.subject,
        "time": e.time,
        "data": e.data.model_dump_json(),
        "traceparent": e.traceparent or current_traceparent.get(),
    }


@functools.cache
def _insert_into(table: Table) -> Insert:
    """Built once per table, so SQLAlchemy finds its compiled form without computing a cache key."""
    return insert(table)


OUTBOX = outbox_table(MetaData())  # the runtime's own handle on every service's outbox table
_SESSION_KEY = "npd_outbox"


class UndeclaredEvent(RuntimeError):
    """A service wrote an event to its outbox that its ServiceSpec does not say it publishes."""


@dataclass(frozen=True)
class Publisher:
    """What a service may publish, and as which CloudEvents source; carried by each of its sessions."""

    source: str
    publishes: Collection[type[EventData]]

    def session_info(self) -> dict[str, "Publisher"]:
        return {_SESSION_KEY: self}


async def publish(session: AsyncSession, *events: EventData | Envelope[EventData]) -> None:
    """Write events to the service's outbox in the caller's transaction; they leave only if it commits.

    Only events the service declares (ServiceSpec.publishes) are accepted, so the AsyncAPI document and the
    catalogue never miss one.
    """
    await add_events(session, OUTBOX, *_declared(session, events))


def _declared(session: AsyncSession, events: Sequence[EventData | Envelope[EventData]]) -> list[Envelope[EventData]]:
    publisher = session.info.get(_SESSION_KEY)
    if not isinstance(publisher, Publisher):
        raise RuntimeError("publish() needs a session of a service (made by create_service_app or Publisher)")
    envelopes = [e if isinstance(e, Envelope) else Envelope(data=e, source=publisher.source) for e in events]
    for envelope in envelopes:
        if type(envelope.data) not in publisher.publishes:
            raise UndeclaredEvent(
                f"{type(envelope.data).__name__} ({envelope.type}) is not among the events this service declares"
            )
    return envelopes


def outbox_params(session: AsyncSession, events: Sequence[EventData | Envelope[EventData]]) -> dict[str, Any]:
    """The parameters of `with_outbox_rows(change, len(events))` that write these events, checked as
    publish() checks them."""
    return {
        f"outbox_{i}_{name}": value for i, e in enumerate(_declared(session, events)) for name, value in _row(e).items()
    }


def with_outbox_rows(change: Update | Insert | None, events: int) -> Insert:
    """One statement that makes `change` and writes `events` outbox rows (parameters from outbox_params):
    a round trip and a pass through SQLAlchemy fewer than the change followed by publish(), with the same
    effect in the same transaction. PostgreSQL runs a data-modifying WITH to completion whatever the rest
    of the statement does."""
    columns = [c for c in OUTBOX.c if c.name not in ("position", "created_at")]
    # SELECTs of typed parameters, not a multi-row VALUES: SQLAlchemy cannot cache the compiled form of
    # the latter, and compiling this statement costs more than it saves.
    rows = [select(*(bindparam(f"outbox_{i}_{c.name}", type_=c.type) for c in columns)) for i in range(events)]
    outbox = insert(OUTBOX).from_select(columns, rows[0] if events == 1 else union_all(*rows))
    return outbox if change is None else outbox.add_cte(change.cte("change"))
