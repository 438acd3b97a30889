"""The in-app inbox (/v1/inbox): each person of the network sees and changes only their own notifications.

Who is in the network comes from membership's person events (the runtime's access read model): a person
whose organisation left reads nothing here seconds later, whatever their token says.
"""

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from npd_runtime import NOT_FOUND, Limit, Offset, Page, PrincipalDep, Problems, SessionDep, require_network

from npd_notifications import service
from npd_notifications.schemas import MarkedRead, NotificationPublic, UnreadCount

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])

PROBLEMS: Problems = {service.NotificationNotFound: NOT_FOUND}

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller may not do this"},
    422: {"description": "The request is not valid"},
}
_NOT_MINE: dict[int | str, dict[str, Any]] = {404: {"description": "Not in the caller's inbox"}, **ERRORS}


@router.get("", responses=ERRORS)
async def read_inbox(
    principal: PrincipalDep,
    session: SessionDep,
    unread: bool = False,
    archived: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[NotificationPublic]:
    """The caller's notifications, newest first: the inbox, or (archived=true) the archive."""
    require_network(principal)
    async with session.begin():
        items, total = await service.inbox_of(
            session, principal.person_id, unread_only=unread, archived=archived, limit=limit, offset=offset
        )
    return Page(items=[NotificationPublic.of(n) for n in items], total=total, limit=limit, offset=offset)


@router.get("/unread-count", responses=ERRORS)
async def unread_count(principal: PrincipalDep, session: SessionDep) -> UnreadCount:
    """How many of the caller's inbox notifications are unread (for a badge)."""
    require_network(principal)
    async with session.begin():
        return UnreadCount(unread=await service.unread_count(session, principal.person_id))


@router.post("/read-all", responses=ERRORS)
async def mark_all_read(principal: PrincipalDep, session: SessionDep) -> MarkedRead:
    """Mark every notification of the caller read."""
    require_network(principal)
    async with session.begin():
        return MarkedRead(marked=await service.mark_all_read(session, principal.person_id))


@router.post("/{notification_id}/read", responses=_NOT_MINE)
async def mark_read(notification_id: UUID, principal: PrincipalDep, session: SessionDep) -> NotificationPublic:
    """Mark one of the caller's notifications as read (idempotent)."""
    async with session.begin():
        notification = await service.mark_read(session, principal.person_id, notification_id)
    return NotificationPublic.of(notification)


@router.post("/{notification_id}/archive", responses=_NOT_MINE)
async def archive(notification_id: UUID, principal: PrincipalDep, session: SessionDep) -> NotificationPublic:
    """Move one of the caller's notifications to the archive (idempotent)."""
    async with session.begin():
        notification = await service.archive(session, principal.person_id, notification_id)
    return NotificationPublic.of(notification)
