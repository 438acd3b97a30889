"""Venues API (/v1/venues): an organisation's admins register, change and retire its venues; everyone in the
network reads them (to choose one for a meeting)."""

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Response, status
from npd_runtime import NOT_FOUND, Limit, Offset, Page, PrincipalDep, Problems, ProblemType, SessionDep, require_network
from sqlalchemy import ColumnElement, func, select

from npd_events.meetings import access, venues
from npd_events.meetings.schemas import OrganisationFilter, VenueBody, VenueCreate, VenuePublic
from npd_events.models import VENUES
from npd_events.models import venues as venues_table

router = APIRouter(prefix="/v1/venues", tags=["venues"])

PROBLEMS: Problems = {
    venues.VenueNotFound: NOT_FOUND,
    venues.NotAMember: ProblemType(422, "not-a-member", "The request is not valid"),
    venues.VenueRetired: ProblemType(409, "venue-retired", "Conflict with the current state"),
    access.NotTheVenuesAdmin: ProblemType(403, "not-the-venues-admin", "Forbidden"),
}
READ: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller is not in the network"},
    404: {"description": "No such venue"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    403: {"description": "Only the organisation's admins and network admins manage its venues"},
    409: {"description": "The venue is retired"},
    422: {"description": "The request is not valid (the organisation is not a member, ...)"},
}


@router.post("", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def add_venue(body: VenueCreate, principal: PrincipalDep, session: SessionDep, response: Response) -> VenuePublic:
    """Register a venue of a member organisation (its admins, network admins)."""
    require_network(principal)  # a 403 before any id in the body is looked up (decision 114)
    async with session.begin():
        venue = await venues.add_venue(session, body.organisation_id, body.place(), principal, datetime.now(UTC))
    response.headers["Location"] = f"{router.prefix}/{venue.id}"
    return VenuePublic.of(venue)


@router.get("", responses=READ)
async def list_venues(
    principal: PrincipalDep,
    session: SessionDep,
    organisation_id: OrganisationFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[VenuePublic]:
    """Venues in use, by name (everyone in the network)."""
    require_network(principal)
    where: list[ColumnElement[bool]] = [venues_table.c.archived_at.is_(None)]
    if organisation_id is not None:
        where.append(venues_table.c.organisation_id == organisation_id)
    async with session.begin():
        total = (await session.execute(select(func.count()).select_from(venues_table).where(*where))).scalar_one()
        stmt = (
            VENUES.select().where(*where).order_by(venues_table.c.name, venues_table.c.id).limit(limit).offset(offset)
        )
        items = await VENUES.all(session, stmt)
    return Page(items=[VenuePublic.of(v) for v in items], total=total, limit=limit, offset=offset)


@router.get("/{venue_id}", responses=READ)
async def get_venue(venue_id: UUID, principal: PrincipalDep, session: SessionDep) -> VenuePublic:
    """One venue (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        return VenuePublic.of(await venues.get_venue(session, venue_id))


@router.put("/{venue_id}", responses=WRITE)
async def change_venue(venue_id: UUID, body: VenueBody, principal: PrincipalDep, session: SessionDep) -> VenuePublic:
    """Replace a venue's details (its organisation's admins, network admins)."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        return VenuePublic.of(await venues.change_venue(session, venue_id, body.place(), principal))


@router.post("/{venue_id}/retire", responses=WRITE)
async def retire_venue(venue_id: UUID, principal: PrincipalDep, session: SessionDep) -> VenuePublic:
    """Stop using a venue for new meetings (its organisation's admins, network admins); meetings there stay."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        return VenuePublic.of(await venues.retire_venue(session, venue_id, principal, datetime.now(UTC)))
