"""Meetings and series API (/v1/meetings, /v1/series): schedule, read, change, reschedule and cancel meetings;
start a series, read its occurrences, change an occurrence and all following ones, end it. Who may organise is
decided in the service from the principal (meetings.access); errors become problem documents by PROBLEMS.
"""

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from npd_runtime import (
    NOT_FOUND,
    Limit,
    Offset,
    Page,
    Principal,
    PrincipalDep,
    Problems,
    ProblemType,
    ReadsDep,
    SessionDep,
    require_network,
)
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.meetings import access, domain, queries, recurrence, service
from npd_events.meetings.schemas import (
    CancelBody,
    FollowingBody,
    FromFilter,
    GroupFilter,
    MeetingBody,
    MeetingPublic,
    SeriesBody,
    SeriesFilter,
    SeriesPublic,
    ToFilter,
)

router = APIRouter(tags=["meetings"])

_INVALID = "The request is not valid"
_CONFLICT = "Conflict with the current state"
_FORBIDDEN = "Forbidden"
PROBLEMS: Problems = {
    service.MeetingNotFound: NOT_FOUND,
    service.SeriesNotFound: NOT_FOUND,
    service.UnknownVenue: ProblemType(422, "unknown-venue", _INVALID),
    service.UnknownGroup: ProblemType(422, "unknown-group", _INVALID),
    service.NotAnOccurrence: ProblemType(422, "not-an-occurrence", _INVALID),
    service.SeriesEnded: ProblemType(409, "series-ended", _CONFLICT),
    recurrence.InvalidRecurrenceRule: ProblemType(422, "invalid-recurrence-rule", _INVALID),
    domain.EndBeforeStart: ProblemType(422, "end-before-start", _INVALID),
    domain.TooLong: ProblemType(422, "meeting-too-long", _INVALID),
    domain.DeadlineAfterStart: ProblemType(422, "deadline-after-start", _INVALID),
    domain.NowhereToMeet: ProblemType(422, "nowhere-to-meet", _INVALID),
    domain.GroupAudienceWithoutGroup: ProblemType(422, "group-audience-without-group", _INVALID),
    domain.MeetingIsCancelled: ProblemType(409, "meeting-cancelled", _CONFLICT),
    domain.MeetingIsOver: ProblemType(409, "meeting-started", _CONFLICT),
    access.NotAnOrganiser: ProblemType(403, "not-an-organiser", _FORBIDDEN),
    access.NotInAudience: ProblemType(403, "not-in-audience", _FORBIDDEN),
}

READ: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller may not see this"},
    404: {"description": "No such meeting or series"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    403: {"description": "The caller does not organise these meetings"},
    409: {"description": "The meeting's or series' state does not allow this (cancelled, started, ended)"},
    422: {"description": "The request is not valid (end before start, unknown venue or group, invalid rule, ...)"},
}


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None or value.tzinfo is not None else value.replace(tzinfo=UTC)


async def _view(session: AsyncSession, meeting_id: UUID, principal: Principal) -> MeetingPublic:
    return _visible(await queries.meeting_view(session, meeting_id), meeting_id, principal)


def _visible(view: queries.MeetingView | None, meeting_id: UUID, principal: Principal) -> MeetingPublic:
    if view is None or not access.may_see(principal, view.meeting):
        raise service.MeetingNotFound(meeting_id)
    return MeetingPublic.of(view.meeting, view.taken, view.waitlisted, view.chair)


@router.post("/v1/meetings", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def schedule_meeting(
    body: MeetingBody, principal: PrincipalDep, session: SessionDep, response: Response
) -> MeetingPublic:
    """Schedule a meeting (a group's chairs for its meetings; network admins and board members for the rest).
    Publishes MeetingScheduled."""
    require_network(principal)  # a 403 before any id in the body is looked up (decision 114)
    async with session.begin():
        meeting = await service.schedule_meeting(session, body.plan(), body.when(), principal, _now())
        view = await _view(session, meeting.id, principal)
    response.headers["Location"] = f"/v1/meetings/{meeting.id}"
    return view


@router.get("/v1/meetings", responses=READ)
async def list_meetings(
    principal: PrincipalDep,
    session: SessionDep,
    since: FromFilter = None,
    until: ToFilter = None,
    group_id: GroupFilter = None,
    series_id: SeriesFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[MeetingPublic]:
    """Meetings in order of start: the whole agenda for people of the network, public meetings for others."""
    filters = queries.Filters(_aware(since), _aware(until), group_id, series_id, public_only=not principal.in_network)
    async with session.begin():
        views, total = await queries.list_meetings(session, filters, limit=limit, offset=offset)
    items = [MeetingPublic.of(v.meeting, v.taken, v.waitlisted, v.chair) for v in views]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/v1/meetings/{meeting_id}", responses=READ)
async def get_meeting(meeting_id: UUID, principal: PrincipalDep, reads: ReadsDep) -> MeetingPublic:
    """One meeting, with its places taken, its waitlist and its guest chair."""
    # One statement (the meeting and its counts together): no session, no BEGIN and COMMIT (decision 130).
    return _visible(await queries.read_meeting_view(reads, meeting_id), meeting_id, principal)


@router.put("/v1/meetings/{meeting_id}", responses=WRITE)
async def change_meeting(
    meeting_id: UUID, body: MeetingBody, principal: PrincipalDep, session: SessionDep
) -> MeetingPublic:
    """Replace a meeting's details and time (its organisers); for an occurrence, this one alone (it becomes an
    exception its series' later changes leave alone). Publishes MeetingRescheduled if the time changed and
    MeetingChanged if anything else did; a larger capacity gives places to the waitlist."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        await service.change_meeting(session, meeting_id, body.plan(), body.when(), principal, _now())
        return await _view(session, meeting_id, principal)


@router.post("/v1/meetings/{meeting_id}/cancel", responses=WRITE)
async def cancel_meeting(
    meeting_id: UUID, body: CancelBody, principal: PrincipalDep, session: SessionDep
) -> MeetingPublic:
    """Cancel a meeting (its organisers): MeetingCancelled, then RegistrationCancelled (meeting_cancelled) for
    everyone registered or waiting, and GuestChairDeclined for its guest chair."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        await service.cancel_meeting(session, meeting_id, body.reason, principal, _now())
        return await _view(session, meeting_id, principal)


@router.post("/v1/series", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def create_series(
    body: SeriesBody, principal: PrincipalDep, session: SessionDep, request: Request, response: Response
) -> SeriesPublic:
    """Start a recurring meeting: its occurrences up to the horizon become meetings (MeetingScheduled each),
    later ones as time passes; with guest_chair_kinds, the rotation asks the chairs that are due."""
    require_network(principal)  # a 403 before any id in the body is looked up (decision 114)
    horizon = request.app.state.settings.series_horizon_days
    async with session.begin():
        s = await service.create_series(session, body.draft(), principal, _now(), horizon)
    response.headers["Location"] = f"/v1/series/{s.id}"
    return SeriesPublic.of(s)


@router.get("/v1/series", responses=READ)
async def list_series(
    principal: PrincipalDep, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[SeriesPublic]:
    """Series, oldest first (everyone in the network; others see public ones only)."""
    async with session.begin():
        found, total = await service.list_series(
            session, public_only=not principal.in_network, limit=limit, offset=offset
        )
    return Page(items=[SeriesPublic.of(s) for s in found], total=total, limit=limit, offset=offset)


@router.get("/v1/series/{series_id}", responses=READ)
async def get_series(series_id: UUID, principal: PrincipalDep, session: SessionDep) -> SeriesPublic:
    """One series (everyone in the network)."""
    async with session.begin():
        s = await service.get_series(session, series_id)
    if not principal.in_network and s.audience is not domain.Audience.PUBLIC:
        raise service.SeriesNotFound(series_id)
    return SeriesPublic.of(s)


@router.post("/v1/series/{series_id}/following", responses=WRITE)
async def change_following(
    series_id: UUID, body: FollowingBody, principal: PrincipalDep, session: SessionDep
) -> SeriesPublic:
    """Change an occurrence and all following ones (its organisers): their details, time of day and length.
    Occurrences changed on their own before, and cancelled ones, stay as they are."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        s = await service.change_following(
            session,
            series_id,
            body.from_meeting_id,
            body.plan(),
            body.local_time(),
            body.duration_minutes,
            principal,
            _now(),
        )
    return SeriesPublic.of(s)


@router.post("/v1/series/{series_id}/end", responses=WRITE)
async def end_series(series_id: UUID, body: CancelBody, principal: PrincipalDep, session: SessionDep) -> SeriesPublic:
    """End a series (its organisers): no more occurrences; those still to come are cancelled."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        s = await service.end_series(session, series_id, body.reason, principal, _now())
    return SeriesPublic.of(s)
