"""Inbox use cases: take the caller's session, never commit. Each person sees and changes only their own."""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications.domain import Notification
from npd_notifications.models import NOTIFICATIONS, notifications


class NotificationNotFound(LookupError):
    def __init__(self, notification_id: UUID) -> None:
        super().__init__(f"notification {notification_id} does not exist")


def _now() -> datetime:
    return datetime.now(UTC)


async def inbox_of(
    session: AsyncSession, person_id: str, *, unread_only: bool, archived: bool, limit: int, offset: int
) -> tuple[Sequence[Notification], int]:
    where = [
        notifications.c.recipient_person_id == person_id,
        notifications.c.archived_at.is_not(None) if archived else notifications.c.archived_at.is_(None),
    ]
    if unread_only:
        where.append(notifications.c.read_at.is_(None))
    total = (await session.execute(select(func.count()).select_from(notifications).where(*where))).scalar_one()
    page = NOTIFICATIONS.select().where(*where).order_by(notifications.c.created_at.desc(), notifications.c.id)
    return await NOTIFICATIONS.all(session, page.limit(limit).offset(offset)), total


async def unread_count(session: AsyncSession, person_id: str) -> int:
    stmt = (
        select(func.count())
        .select_from(notifications)
        .where(
            notifications.c.recipient_person_id == person_id,
            notifications.c.read_at.is_(None),
            notifications.c.archived_at.is_(None),
        )
    )
    return int((await session.execute(stmt)).scalar_one())


async def _change_own(session: AsyncSession, person_id: str, notification_id: UUID, **values: object) -> Notification:
    row = (
        await session.execute(
            update(notifications)
            .where(notifications.c.id == notification_id, notifications.c.recipient_person_id == person_id)
            .values(**values)
            .returning(*notifications.c)
        )
    ).first()
    if row is None:
        raise NotificationNotFound(notification_id)
    return NOTIFICATIONS.load(row)


async def mark_read(session: AsyncSession, person_id: str, notification_id: UUID) -> Notification:
    """Mark one of the person's own notifications read; someone else's is reported as not found."""
    return await _change_own(
        session, person_id, notification_id, read_at=func.coalesce(notifications.c.read_at, _now())
    )


async def archive(session: AsyncSession, person_id: str, notification_id: UUID) -> Notification:
    """Archive one of the person's own notifications (read, and out of the inbox)."""
    now = _now()
    return await _change_own(
        session,
        person_id,
        notification_id,
        read_at=func.coalesce(notifications.c.read_at, now),
        archived_at=func.coalesce(notifications.c.archived_at, now),
    )


async def mark_all_read(session: AsyncSession, person_id: str) -> int:
    """Every unread notification of the person becomes read; how many changed."""
    done = await session.execute(
        update(notifications)
        .where(notifications.c.recipient_person_id == person_id, notifications.c.read_at.is_(None))
        .values(read_at=_now())
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
