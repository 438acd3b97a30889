"""Announcements (/v1/announcements): network admins tell the whole network, one organisation or one group,
in Dutch and English; fanned out in bulk (npd_notifications.fanout) like any rule's message."""

from datetime import UTC, datetime
from uuid import uuid4

from fastapi import APIRouter
from npd_runtime import PrincipalDep, Problems, ProblemType, Role, SessionDep, require_role

from npd_notifications.api import ERRORS
from npd_notifications.domain import Audience, Category, Message
from npd_notifications.fanout import fan_out
from npd_notifications.schemas import AnnouncementCreate, AnnouncementPublic, AudienceKind

router = APIRouter(prefix="/v1/announcements", tags=["announcements"])


class TargetMissing(ValueError):
    def __init__(self, kind: AudienceKind) -> None:
        super().__init__(f"an announcement to one {kind.value} needs target_id; to the network, none")


PROBLEMS: Problems = {TargetMissing: ProblemType(422, "announcement-target", "Announcement target missing")}


def _audience(body: AnnouncementCreate) -> Audience:
    if body.audience is AudienceKind.NETWORK:
        if body.target_id is not None:
            raise TargetMissing(body.audience)
        return Audience(everyone=True)
    if body.target_id is None:
        raise TargetMissing(body.audience)
    if body.audience is AudienceKind.ORGANISATION:
        return Audience(organisation=body.target_id)
    return Audience(groups=(body.target_id,))


@router.post("", status_code=201, responses=ERRORS)
async def announce(body: AnnouncementCreate, principal: PrincipalDep, session: SessionDep) -> AnnouncementPublic:
    """Announce (network admins): an inbox item and, as each person chose, a mail, for every recipient."""
    require_role(principal, Role.NETWORK_ADMIN)
    audience = _audience(body)
    announcement_id = uuid4()
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
        organisation_id=body.target_id if body.audience is AudienceKind.ORGANISATION else None,
    )
    async with session.begin():
        inbox, mails = await fan_out(session, message, audience)
    return AnnouncementPublic(id=announcement_id, inbox_items=inbox, mails=mails)
