"""The in-app inbox (/v1/inbox): each person of the network sees and marks only their own notifications.

Who is in the network comes from membership's person events (the runtime's access read model): a person
whose organisation left reads nothing here seconds later, whatever their token says.

Errors raised below become problem documents by PROBLEMS (main.py gives it to the runtime).
"""

from uuid import UUID

from fastapi import APIRouter
from npd_runtime import NOT_FOUND, Limit, Offset, Page, PrincipalDep, Problems, SessionDep, require_network

from npd_notifications import service
from npd_notifications.schemas import NotificationPublic

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])

PROBLEMS: Problems = {service.NotificationNotFound: NOT_FOUND}

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller holds no role in the network"},
    422: {"description": "The request is not valid"},
}


@router.get("", responses=_ERRORS)
async def read_inbox(
    principal: PrincipalDep,
    session: SessionDep,
    unread: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[NotificationPublic]:
    """The caller's notifications, newest first (people with a role in the network)."""
    require_network(principal)
    async with session.begin():
        items, total = await service.inbox_of(
            session, principal.person_id, unread_only=unread, limit=limit, offset=offset
        )
    return Page(items=[NotificationPublic.of(n) for n in items], total=total, limit=limit, offset=offset)


@router.post("/{notification_id}/read", responses={404: {"description": "Not in the caller's inbox"}, **_ERRORS})
async def mark_read(notification_id: UUID, principal: PrincipalDep, session: SessionDep) -> NotificationPublic:
    """Mark one of the caller's notifications as read (idempotent)."""
    async with session.begin():
        notification = await service.mark_read(session, principal.person_id, notification_id)
    return NotificationPublic.of(notification)
