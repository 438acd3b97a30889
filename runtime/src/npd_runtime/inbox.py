"""Idempotent consumers: a record of which events each consumer has already handled.

The record is written in the handler's own transaction, so either the effect and the record commit
together or neither does; a redelivery then finds the record and changes nothing.
"""

from sqlalchemy import Column, DateTime, MetaData, PrimaryKeyConstraint, String, Table, func
from sqlalchemy.dialects.postgresql import insert
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


async def first_delivery(session: AsyncSession, table: Table, consumer: str, event_id: str) -> bool:
    """Record that `consumer` handles `event_id`; False if it already did (the caller then does nothing).

    A concurrent duplicate blocks on the primary key until the first transaction ends, then sees it.
    """
    stmt = (
        insert(table).values(consumer=consumer, event_id=event_id).on_conflict_do_nothing().returning(table.c.event_id)
    )
    return (await session.execute(stmt)).first() is not None
