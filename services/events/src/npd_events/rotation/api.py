"""Guest-chair rotation API: a series' history of guest chairs (everyone in the network), and declining a turn
(the chairing organisation's admins, or the organisers)."""

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter
from npd_runtime import PrincipalDep, Problems, ProblemType, SessionDep, require_network

from npd_events.meetings import service as meetings
from npd_events.rotation import domain, service
from npd_events.rotation.schemas import GuestChairPublic

router = APIRouter(tags=["guest chairs"])

PROBLEMS: Problems = {
    domain.NotAssigned: ProblemType(409, "no-guest-chair", "Conflict with the current state"),
    service.NotTheChairsAdmin: ProblemType(403, "not-the-chairs-admin", "Forbidden"),
}
RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller may not do this"},
    404: {"description": "No such series"},
    409: {"description": "No organisation is asked to chair this meeting now"},
    422: {"description": "The request is not valid"},
}


@router.get("/v1/series/{series_id}/guest-chairs", responses=RESPONSES)
async def guest_chairs(series_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[GuestChairPublic]:
    """Every organisation asked to chair an occurrence of the series, in the order asked, with how it ended."""
    require_network(principal)
    async with session.begin():
        await meetings.get_series(session, series_id)
        return [GuestChairPublic.of(c) for c in await service.history(session, series_id)]


@router.post("/v1/meetings/{meeting_id}/guest-chair/decline", responses=RESPONSES)
async def decline(meeting_id: UUID, principal: PrincipalDep, session: SessionDep) -> GuestChairPublic | None:
    """The chairing organisation declines this occurrence (GuestChairDeclined, declined); the next organisation
    in the rotation is asked (GuestChairAssigned), which this returns (null if none is eligible)."""
    async with session.begin():
        chair = await service.decline(session, meeting_id, principal, datetime.now(UTC))
    return None if chair is None else GuestChairPublic.of(chair)
