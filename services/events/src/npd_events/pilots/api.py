"""Pilots API: member organisations register pilots and change them, people of the network follow them, each
organisation's admins declare its adoption, and everyone in the network reads how far a pilot has spread.
Errors raised below become problem documents by PROBLEMS.
"""

from uuid import UUID

from fastapi import APIRouter, Response, status
from npd_runtime import Limit, Offset, Page, PrincipalDep, Problems, ProblemType, SessionDep, require_network

from npd_events.pilots import domain, service
from npd_events.pilots.schemas import (
    AdoptionBody,
    AdoptionChangePublic,
    AdoptionPublic,
    Adoptions,
    FollowedFilter,
    OwnerFilter,
    PilotBody,
    PilotPublic,
    SpreadPublic,
    StatusFilter,
)

router = APIRouter(prefix="/v1/pilots", tags=["pilots"])

PROBLEMS: Problems = {
    service.PilotNotFound: ProblemType(404, "unknown-pilot", "Not found"),
    service.UnknownOrganisation: ProblemType(422, "unknown-organisation", "Unprocessable request"),
    service.NotTheOwner: ProblemType(403, "not-the-owner", "Forbidden"),
    service.NotTheOrganisationsAdmin: ProblemType(403, "not-the-organisations-admin", "Forbidden"),
    domain.NoSupplier: ProblemType(422, "no-supplier", "Unprocessable request"),
}

READ: dict[int | str, dict[str, object]] = {
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller is not in the network"},
    404: {"description": "No such pilot"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    400: {"description": "The body could not be read (not UTF-8)"},
    403: {"description": "The caller may not do this (owner's admins; an organisation's own admins for adoption)"},
    422: {"description": "The request is not valid (an organisation that is not a member, a link that is not https)"},
}


@router.post("", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def register_pilot(
    body: PilotBody, principal: PrincipalDep, session: SessionDep, response: Response
) -> PilotPublic:
    """Register a pilot for your organisation (its admins; network admins for any member). Publishes
    PilotRegistered."""
    require_network(principal)
    async with session.begin():
        pilot = await service.register(session, body.plan(), body.owner_organisation_id, by=principal)
        view = await service.get(session, pilot.id, principal.person_id)
    response.headers["Location"] = f"/v1/pilots/{pilot.id}"
    return PilotPublic.of(view)


@router.get("", responses=READ)
async def list_pilots(
    principal: PrincipalDep,
    session: SessionDep,
    status: StatusFilter = None,
    owner_organisation_id: OwnerFilter = None,
    followed: FollowedFilter = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PilotPublic]:
    """Pilots, newest first, each with its spread (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        views, total = await service.list_pilots(
            session,
            principal.person_id,
            status=status,
            owner=owner_organisation_id,
            followed=followed,
            limit=limit,
            offset=offset,
        )
    return Page(items=[PilotPublic.of(v) for v in views], total=total, limit=limit, offset=offset)


@router.get("/{pilot_id}", responses=READ)
async def get_pilot(pilot_id: UUID, principal: PrincipalDep, session: SessionDep) -> PilotPublic:
    """One pilot with its trojka, stakeholders and spread (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        return PilotPublic.of(await service.get(session, pilot_id, principal.person_id))


@router.put("/{pilot_id}", responses=WRITE)
async def change_pilot(pilot_id: UUID, body: PilotBody, principal: PrincipalDep, session: SessionDep) -> PilotPublic:
    """Change a pilot (the owner's admins, whoever registered it, network admins); the owner stays. Publishes
    PilotUpdated; nothing when nothing changed."""
    require_network(principal)
    async with session.begin():
        await service.change(session, pilot_id, body.plan(), by=principal)
        return PilotPublic.of(await service.get(session, pilot_id, principal.person_id))


@router.put("/{pilot_id}/follow", status_code=status.HTTP_204_NO_CONTENT, responses=READ)
async def follow_pilot(pilot_id: UUID, principal: PrincipalDep, session: SessionDep) -> None:
    """Follow a pilot, to hear of its status and results. Publishes PilotFollowed (once)."""
    require_network(principal)
    async with session.begin():
        await service.follow(session, pilot_id, by=principal, following=True)


@router.delete("/{pilot_id}/follow", status_code=status.HTTP_204_NO_CONTENT, responses=READ)
async def unfollow_pilot(pilot_id: UUID, principal: PrincipalDep, session: SessionDep) -> None:
    """Stop following a pilot. Publishes PilotUnfollowed (once)."""
    require_network(principal)
    async with session.begin():
        await service.follow(session, pilot_id, by=principal, following=False)


@router.get("/{pilot_id}/adoptions", responses=READ)
async def list_adoptions(pilot_id: UUID, principal: PrincipalDep, session: SessionDep) -> Adoptions:
    """Which member organisations declared adoption, and the spread per status (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        views, spread = await service.adoptions(session, pilot_id)
    return Adoptions(spread=SpreadPublic.of(spread), items=[AdoptionPublic.of(v) for v in views])


@router.get("/{pilot_id}/adoption-history", responses=READ)
async def adoption_history(
    pilot_id: UUID, principal: PrincipalDep, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[AdoptionChangePublic]:
    """Every declaration and change of adoption, oldest first (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        found, total = await service.history(session, pilot_id, limit=limit, offset=offset)
    return Page(items=[AdoptionChangePublic.of(c) for c in found], total=total, limit=limit, offset=offset)


@router.put("/{pilot_id}/adoptions/{organisation_id}", responses=WRITE)
async def declare_adoption(
    pilot_id: UUID, organisation_id: UUID, body: AdoptionBody, principal: PrincipalDep, session: SessionDep
) -> Adoptions:
    """Declare or change your organisation's adoption (its admins only). Publishes PilotAdoptionChanged when it
    changes; answers the pilot's adoptions and spread."""
    require_network(principal)
    async with session.begin():
        await service.adopt(session, pilot_id, organisation_id, body.status, by=principal)
        views, spread = await service.adoptions(session, pilot_id)
    return Adoptions(spread=SpreadPublic.of(spread), items=[AdoptionPublic.of(v) for v in views])


@router.delete("/{pilot_id}/adoptions/{organisation_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE)
async def withdraw_adoption(
    pilot_id: UUID, organisation_id: UUID, principal: PrincipalDep, session: SessionDep
) -> None:
    """Withdraw your organisation's declaration (its admins only); the history keeps it."""
    require_network(principal)
    async with session.begin():
        await service.adopt(session, pilot_id, organisation_id, None, by=principal)
