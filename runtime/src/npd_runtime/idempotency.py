"""Idempotent consumers: a record of which events each consumer has already handled.

The record is written in the handler's own transaction, so either the effects and the record commit
together or neither does; a redelivery then finds the record and changes nothing.
"""

from collections.abc import Sequence

from sqlalchemy import ARRAY, Column, DateTime, MetaData, PrimaryKeyConstraint, String, Table, bindparam, func, text
from sqlalchemy.ext.asyncio import AsyncSession

PROCESSED_EVENTS_TABLE = "processed_events"


def processed_events_table(metadata: MetaData) -> Table:
    return Table(
        PROCESSED_EVENTS_TABLE,
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id"),
    )


# One statement for a whole batch. A concurrent duplicate blocks on the primary key until the transaction
# that claimed it first ends, then sees it: two replicas never both handle one event.
_CLAIM = text(
    f"INSERT INTO {PROCESSED_EVENTS_TABLE} (consumer, event_id) "
    "SELECT :consumer, unnest(CAST(:ids AS varchar[])) ON CONFLICT DO NOTHING RETURNING event_id"
).bindparams(bindparam("ids", type_=ARRAY(String)))


async def claim(session: AsyncSession, consumer: str, event_ids: Sequence[str]) -> set[str]:
    """Record that `consumer` handles these events; returns those it had not handled before.

    Ids must be distinct. The caller handles exactly the returned ones, in the same transaction.
    """
    if not event_ids:
        return set()
    rows = await session.execute(_CLAIM, {"consumer": consumer, "ids": list(event_ids)})
    return {row[0] for row in rows}


async def processed_at(session: AsyncSession, consumer: str, event_id: str) -> bool:
    """Whether `consumer` has handled `event_id` (for tests and operators)."""
    found = await session.execute(
        text(f"SELECT 1 FROM {PROCESSED_EVENTS_TABLE} WHERE consumer = :c AND event_id = :e"),
        {"c": consumer, "e": event_id},
    )
    return found.first() is not None
