"""Transactional outbox: an event is an outbox row written in the same transaction as the change it reports.

The relay (relay.py) publishes rows in `position` order and deletes them once Kafka has them.
An insert trigger sends NOTIFY, which PostgreSQL delivers at commit, so the relay wakes the moment the
transaction is durable and never sees a row that might still roll back.
"""

from npd_contracts import Envelope
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
)
from sqlalchemy.ext.asyncio import AsyncSession

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


async def add_events(session: AsyncSession, table: Table, *envelopes: Envelope) -> None:
    """Write events to the outbox in the caller's transaction; they leave only if it commits.

    Each carries the current trace context unless it has its own.
    """
    if not envelopes:
        return
    await session.execute(
        insert(table),
        [
            {
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
            for e in envelopes
        ],
    )
