"""Notification use cases: take the caller's session, never commit."""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications.domain import Notification
from npd_notifications.models import NOTIFICATIONS, notifications


class NotificationNotFound(LookupError):
    def __init__(self, notification_id: UUID) -> None:
        super().__init__(f"notification {notification_id} does not exist")


# created_at and read_at are the database's to set.
_DELIVERED = [f for f in NOTIFICATIONS.fields if f not in ("created_at", "read_at")]
_INSERT = notifications.insert()  # built once: SQLAlchemy then finds its compiled form without a cache key


async def deliver_to_inbox(session: AsyncSession, delivered: Sequence[Notification]) -> None:
    """Put notifications in their recipients' inboxes, in one statement."""
    if delivered:
        await session.execute(_INSERT, [NOTIFICATIONS.values(n, *_DELIVERED) for n in delivered])


async def inbox_of(
    session: AsyncSession, person_id: str, *, unread_only: bool, limit: int, offset: int
) -> tuple[Sequence[Notification], int]:
    where = [notifications.c.recipient_person_id == person_id]
    if unread_only:
        where.append(notifications.c.read_at.is_(None))
    total = (await session.execute(select(func.count()).select_from(notifications).where(*where))).scalar_one()
    page = NOTIFICATIONS.select().where(*where).order_by(notifications.c.created_at.desc(), notifications.c.id)
    return await NOTIFICATIONS.all(session, page.limit(limit).offset(offset)), total


async def mark_read(session: AsyncSession, person_id: str, notification_id: UUID) -> Notification:
    """Mark one of the person's own notifications read; someone else's is reported as not found."""
    row = (
        await session.execute(
            update(notifications)
            .where(notifications.c.id == notification_id, notifications.c.recipient_person_id == person_id)
            .values(read_at=func.coalesce(notifications.c.read_at, datetime.now(UTC)))
            .returning(*notifications.c)
        )
    ).first()
    if row is None:
        raise NotificationNotFound(notification_id)
    return NOTIFICATIONS.load(row)


async def erase_people(session: AsyncSession, person_ids: Sequence[str]) -> None:
    """Erased people's notifications go (GDPR art. 17): an inbox is theirs alone, nothing of it is history."""
    if person_ids:
        await session.execute(delete(notifications).where(notifications.c.recipient_person_id.in_(person_ids)))
