"""Notification use cases: take the caller's session, never commit."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications.domain import Kind, Notification
from npd_notifications.models import notifications


class NotificationNotFound(LookupError):
    def __init__(self, notification_id: UUID) -> None:
        super().__init__(f"notification {notification_id} does not exist")
        self.notification_id = notification_id


def _row_to_notification(row: Any) -> Notification:
    return Notification(
        id=row.id,
        recipient_person_id=row.recipient_person_id,
        kind=Kind(row.kind),
        title=row.title,
        body=row.body,
        organisation_id=row.organisation_id,
        created_at=row.created_at,
        read_at=row.read_at,
    )


async def deliver_to_inbox(session: AsyncSession, notification: Notification) -> None:
    await session.execute(
        insert(notifications).values(
            id=notification.id,
            recipient_person_id=notification.recipient_person_id,
            kind=notification.kind.value,
            title=notification.title,
            body=notification.body,
            organisation_id=notification.organisation_id,
        )
    )


async def inbox_of(
    session: AsyncSession, person_id: str, *, unread_only: bool, limit: int, offset: int
) -> tuple[Sequence[Notification], int]:
    where = [notifications.c.recipient_person_id == person_id]
    if unread_only:
        where.append(notifications.c.read_at.is_(None))
    total = (await session.execute(select(func.count()).select_from(notifications).where(*where))).scalar_one()
    page = select(notifications).where(*where).order_by(notifications.c.created_at.desc(), notifications.c.id)
    rows = await session.execute(page.limit(limit).offset(offset))
    return [_row_to_notification(r) for r in rows], total


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
    return _row_to_notification(row)
