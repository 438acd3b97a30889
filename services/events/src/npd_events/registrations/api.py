"""Registrations API (/v1/meetings/{id}/registrations, /attendance): register yourself, cancel, accept an
offered place; organisers see who comes and record attendance afterwards. Capacity, the waitlist and audience
rules are the service's; errors become problem documents by PROBLEMS.
"""

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Response, status
from npd_runtime import NOT_FOUND, Limit, Offset, Page, PrincipalDep, Problems, ProblemType, SessionDep, require_network
from sqlalchemy import func, select

from npd_events.meetings import access
from npd_events.models import REGISTRATIONS, registrations
from npd_events.registrations import domain, service
from npd_events.registrations.schemas import AttendanceBody, PersonId, RegistrationPublic, StatusFilter

router = APIRouter(prefix="/v1/meetings/{meeting_id}", tags=["registrations"])

_CONFLICT = "Conflict with the current state"
PROBLEMS: Problems = {
    service.MeetingNotFound: NOT_FOUND,
    service.NotRegistered: ProblemType(404, "not-registered", "Not found"),
    service.NotYours: ProblemType(403, "not-your-registration", "Forbidden"),
    domain.AlreadyRegistered: ProblemType(409, "already-registered", _CONFLICT),
    domain.RegistrationClosed: ProblemType(409, "registration-closed", _CONFLICT),
    domain.NoOffer: ProblemType(409, "no-offer", _CONFLICT),
    domain.NotStartedYet: ProblemType(409, "meeting-not-started", _CONFLICT),
    domain.NotConfirmed: ProblemType(422, "not-confirmed", "The request is not valid"),
}
READ: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller may not see these registrations"},
    404: {"description": "No such meeting or registration"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    403: {"description": "The meeting is not for the caller, or the registration is someone else's"},
    409: {"description": "Registered already, registration closed (deadline, started, cancelled), no open offer"},
}


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/registrations", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def register(
    meeting_id: UUID, principal: PrincipalDep, session: SessionDep, response: Response
) -> RegistrationPublic:
    """Register yourself: a place if one is free (RegistrationConfirmed), else the waitlist (Waitlisted). Only
    for meetings whose audience includes you, before the deadline; once."""
    async with session.begin():
        registration = await service.register(session, meeting_id, principal, _now())
    response.headers["Location"] = f"/v1/meetings/{meeting_id}/registrations/{principal.person_id}"
    return RegistrationPublic.of(registration)


@router.get("/registrations", responses=READ)
async def list_registrations(
    meeting_id: UUID,
    principal: PrincipalDep,
    session: SessionDep,
    status: StatusFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RegistrationPublic]:
    """Who registered, in order of arrival (the meeting's organisers)."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        meeting = await service.meeting_of(session, meeting_id)
        access.require_organiser(principal, meeting.host_group_id)
        where = [registrations.c.meeting_id == meeting_id]
        if status is not None:
            where.append(registrations.c.status == status)
        total = (await session.execute(select(func.count()).select_from(registrations).where(*where))).scalar_one()
        stmt = REGISTRATIONS.select().where(*where).order_by(registrations.c.queue_position, registrations.c.id)
        items = await REGISTRATIONS.all(session, stmt.limit(limit).offset(offset))
    return Page(items=[RegistrationPublic.of(r) for r in items], total=total, limit=limit, offset=offset)


@router.get("/registrations/{person_id}", responses=READ)
async def get_registration(
    meeting_id: UUID, person_id: PersonId, principal: PrincipalDep, session: SessionDep
) -> RegistrationPublic:
    """A person's registration (themselves, the meeting's organisers): the live one, else the last that ended."""
    if person_id != principal.person_id:
        require_network(principal)  # only organisers read others' registrations: no existence oracle (decision 98)
    async with session.begin():
        if person_id != principal.person_id:
            meeting = await service.meeting_of(session, meeting_id)
            if not access.may_organise(principal, meeting.host_group_id):
                raise service.NotYours()
        registration = await service.registration_of(session, meeting_id, person_id)
    if registration is None:
        raise service.NotRegistered(meeting_id, person_id)
    return RegistrationPublic.of(registration)


@router.delete("/registrations/{person_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE)
async def cancel_registration(
    meeting_id: UUID, person_id: PersonId, principal: PrincipalDep, session: SessionDep
) -> None:
    """Cancel a registration or waitlist place (the person, or the meeting's organisers); declining an offered
    place is the same. RegistrationCancelled; a freed place goes to the first on the waitlist."""
    if person_id != principal.person_id:
        require_network(principal)  # only organisers cancel others' registrations: no existence oracle (decision 98)
    async with session.begin():
        await service.cancel(session, meeting_id, person_id, principal, _now())


@router.post("/registrations/{person_id}/accept", responses=WRITE)
async def accept_offer(
    meeting_id: UUID, person_id: PersonId, principal: PrincipalDep, session: SessionDep
) -> RegistrationPublic:
    """Take the place offered to you before the offer expires (WaitlistPromoted)."""
    if person_id != principal.person_id:
        raise service.NotYours()
    async with session.begin():
        return RegistrationPublic.of(await service.accept_offer(session, meeting_id, principal, _now()))


@router.put("/attendance", responses=WRITE | {409: {"description": "The meeting has not started yet"}})
async def record_attendance(
    meeting_id: UUID, body: AttendanceBody, principal: PrincipalDep, session: SessionDep
) -> list[RegistrationPublic]:
    """Record who attended (the meeting's organisers, once it has started): AttendanceRecorded for each change."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    entries = [(e.person_id, e.attended) for e in body.attendance]
    async with session.begin():
        recorded = await service.record_attendance(session, meeting_id, entries, principal, _now())
    return [RegistrationPublic.of(r) for r in recorded]
