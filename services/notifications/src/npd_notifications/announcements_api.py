"""Announcements: network admins tell the whole network, one organisation's people or one group's members,
in Dutch and English; fanned out in bulk (npd_notifications.fanout) like any rule's message."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter
from npd_runtime import PrincipalDep, Problems, Role, SessionDep, require_role
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications.api import ERRORS
from npd_notifications.domain import Audience, Category, Message
from npd_notifications.fanout import fan_out
from npd_notifications.schemas import AnnouncementCreate, AnnouncementPublic

router = APIRouter(tags=["announcements"])

PROBLEMS: Problems = {}


async def _announce(
    session: AsyncSession, body: AnnouncementCreate, audience: Audience, organisation_id: UUID | None = None
) -> AnnouncementPublic:
    announcement_id = body.id or uuid4()
    message = Message(
        id=announcement_id,
        source_event_id=f"announcement:{announcement_id}",
        rule="announcement",
        category=Category.ANNOUNCEMENTS,
        title_nl=body.title_nl,
        body_nl=body.body_nl,
        title_en=body.title_en,
        body_en=body.body_en,
        occurred_at=datetime.now(UTC),
        organisation_id=organisation_id,
    )
    async with session.begin():
        inbox, mails = await fan_out(session, message, audience)
    return AnnouncementPublic(id=announcement_id, inbox_items=inbox, mails=mails)


@router.post("/v1/announcements", status_code=201, responses=ERRORS)
async def announce_to_the_network(
    body: AnnouncementCreate, principal: PrincipalDep, session: SessionDep
) -> AnnouncementPublic:
    """Tell everyone in the network (network admins): an inbox item each, and a mail as each person chose.
    Sent again with the same `id`, it adds nothing (0 inbox items, 0 mails)."""
    require_role(principal, Role.NETWORK_ADMIN)
    return await _announce(session, body, Audience(everyone=True))


@router.post("/v1/organisations/{organisation_id}/announcements", status_code=201, responses=ERRORS)
async def announce_to_an_organisation(
    organisation_id: UUID, body: AnnouncementCreate, principal: PrincipalDep, session: SessionDep
) -> AnnouncementPublic:
    """Tell one organisation's people (network admins)."""
    require_role(principal, Role.NETWORK_ADMIN)
    return await _announce(session, body, Audience(organisation=organisation_id), organisation_id)


@router.post("/v1/groups/{group_id}/announcements", status_code=201, responses=ERRORS)
async def announce_to_a_group(
    group_id: UUID, body: AnnouncementCreate, principal: PrincipalDep, session: SessionDep
) -> AnnouncementPublic:
    """Tell one group's members (network admins)."""
    require_role(principal, Role.NETWORK_ADMIN)
    return await _announce(session, body, Audience(groups=(group_id,)))
