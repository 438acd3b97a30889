"""Positions API (/v1/positions, /v1/public/positions, /v1/organisations/{org_id}/mandate): a working group
or the board drafts and revises a position, circulates it to the member organisations, whose mandated people
vote on it, and publishes it; the network follows each organisation's vote; a public position is readable
without logging in. Errors raised below become problem documents by PROBLEMS.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status
from npd_runtime import (
    NOT_FOUND,
    Forbidden,
    Limit,
    Offset,
    Page,
    Principal,
    PrincipalDep,
    Problems,
    ProblemType,
    SessionDep,
    require_network,
)

from npd_membership.organisations import service as organisations
from npd_membership.positions import domain, queries, service
from npd_membership.positions.schemas import (
    BallotPublic,
    Circulation,
    DiffPublic,
    MandateBody,
    MandatePublic,
    OrganisationVotePublic,
    PositionCreate,
    PositionDetail,
    PositionPublic,
    PositionRevision,
    Publication,
    StatusFilter,
    VersionPublic,
    VoteBody,
)

router = APIRouter(prefix="/v1/positions", tags=["positions"])
public = APIRouter(prefix="/v1/public/positions", tags=["positions"])
mandates = APIRouter(prefix="/v1/organisations", tags=["positions"])

_CONFLICT = "Conflict with the current state"
PROBLEMS: Problems = {
    service.PositionNotFound: NOT_FOUND,
    domain.NoSuchVersion: ProblemType(404, "no-such-version", "Not found"),
    service.NotADrafter: ProblemType(403, "not-a-drafter", "Forbidden"),
    service.NotMandated: ProblemType(403, "not-mandated", "Forbidden"),
    service.GroupClosed: ProblemType(409, "group-archived", _CONFLICT),
    service.NotInOrganisation: ProblemType(409, "not-in-organisation", _CONFLICT),
    domain.PositionRefused: ProblemType(409, "position-refused", _CONFLICT),
    domain.PositionFrozen: ProblemType(409, "position-frozen", _CONFLICT),
    domain.NotDraft: ProblemType(409, "position-not-draft", _CONFLICT),
    domain.NotCirculating: ProblemType(409, "position-not-circulating", _CONFLICT),
    domain.DeadlinePassed: ProblemType(409, "deadline-passed", _CONFLICT),
    domain.NotAddressed: ProblemType(409, "not-addressed", _CONFLICT),
    domain.NobodyToAsk: ProblemType(409, "nobody-to-ask", _CONFLICT),
    domain.BadDeadline: ProblemType(422, "deadline-not-in-future", "The deadline must be in the future"),
    domain.RemarkRequired: ProblemType(422, "remark-required", "A remark goes with endorse_with_remark only"),
}

READ: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller is not in the network"},
    404: {"description": "No such position (or a draft of a group the caller is not in)"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    403: {"description": "The caller may not do this (not of the owning group, not its chair, not mandated)"},
    404: {"description": "No such position, group, organisation or version"},
    409: {"description": "The position's state does not allow this (published and frozen, deadline passed, ...)"},
}
PUBLIC: dict[int | str, dict[str, object]] = {
    404: {"description": "No such public position"},
    422: {"description": "The request is not valid"},
}

Number = Annotated[int, Path(ge=1, le=100_000, description="A version number, from 1.")]


@router.post("", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def draft_position(
    body: PositionCreate, principal: PrincipalDep, session: SessionDep, response: Response
) -> PositionDetail:
    """Start a position as version 1 (people of the owning group, or network admins). Publishes PositionDrafted."""
    require_network(principal)
    async with session.begin():
        position = await service.draft_position(session, body.group_id, body.title, body.text, by=principal)
        view = await queries.view(session, position)
    response.headers["Location"] = f"{router.prefix}/{position.id}"
    return PositionDetail.of(view)


@router.get("", responses=READ)
async def list_positions(
    principal: PrincipalDep, session: SessionDep, status: StatusFilter = None, limit: Limit = 50, offset: Offset = 0
) -> Page[PositionPublic]:
    """Positions, newest first: circulating and published ones for the network, drafts for their groups."""
    require_network(principal)
    async with session.begin():
        items, total = await queries.list_positions(session, principal, status, limit=limit, offset=offset)
    page = [PositionPublic.model_validate(p, from_attributes=True) for p in items]
    return Page(items=page, total=total, limit=limit, offset=offset)


@router.get("/{position_id}", responses=READ)
async def get_position(position_id: UUID, principal: PrincipalDep, session: SessionDep) -> PositionDetail:
    """A position with its current text and the tally of votes (and, once published, who endorsed it)."""
    async with session.begin():
        return PositionDetail.of(await queries.position_view(session, position_id, principal))


@router.put("/{position_id}", responses=WRITE)
async def revise_position(
    position_id: UUID, body: PositionRevision, principal: PrincipalDep, session: SessionDep
) -> PositionDetail:
    """A new version of the title and text (people of the owning group, network admins); while circulating,
    votes cast so far stay, each with the version it was cast on. Publishes PositionRevised; 409 once published."""
    async with session.begin():
        position = await service.revise_position(session, position_id, body.title, body.text, body.note, by=principal)
        return PositionDetail.of(await queries.view(session, position))


@router.get("/{position_id}/versions", responses=READ)
async def list_versions(position_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[VersionPublic]:
    """Every version of the text, oldest first."""
    async with session.begin():
        await service.get_position(session, position_id, principal)
        return [VersionPublic.of(v) for v in await service.versions(session, position_id)]


@router.get("/{position_id}/versions/{number}", responses=READ)
async def get_version(position_id: UUID, number: Number, principal: PrincipalDep, session: SessionDep) -> VersionPublic:
    async with session.begin():
        await service.get_position(session, position_id, principal)
        return VersionPublic.of(await service.version(session, position_id, number))


@router.get("/{position_id}/diff", responses=READ)
async def diff_versions(
    position_id: UUID,
    principal: PrincipalDep,
    session: SessionDep,
    from_version: Annotated[int, Query(ge=1, le=100_000, description="The older version")],
    to_version: Annotated[int, Query(ge=1, le=100_000, description="The newer version")],
) -> DiffPublic:
    """What changed between two versions, as a unified diff of their titles and texts."""
    async with session.begin():
        await service.get_position(session, position_id, principal)
        older = await service.version(session, position_id, from_version)
        newer = await service.version(session, position_id, to_version)
    return DiffPublic(from_version=from_version, to_version=to_version, unified=domain.diff(older, newer))


@router.post("/{position_id}/circulate", responses=WRITE)
async def circulate(
    position_id: UUID, body: Circulation, principal: PrincipalDep, session: SessionDep
) -> PositionDetail:
    """Send a draft to every member organisation for endorsement until the deadline (the owning group's chairs,
    network admins). Publishes PositionCirculated."""
    async with session.begin():
        position = await service.circulate(session, position_id, body.deadline, by=principal)
        return PositionDetail.of(await queries.view(session, position))


@router.put("/{position_id}/votes/{org_id}", responses=WRITE)
async def vote(
    position_id: UUID, org_id: UUID, body: VoteBody, principal: PrincipalDep, session: SessionDep
) -> OrganisationVotePublic:
    """The organisation's vote, by the person it mandates (by default its board members, else its admins):
    endorse, endorse with a remark, or abstain; a later vote replaces it until the deadline, and every vote
    is kept. Publishes PositionEndorsed or PositionAbstained."""
    async with session.begin():
        await service.vote(session, position_id, org_id, body.vote, body.remark, by=principal)
        votes = await queries.statuses(session, position_id)
    return OrganisationVotePublic.of(next(v for v in votes if v.organisation_id == org_id))


@router.get("/{position_id}/votes", responses=READ)
async def list_votes(position_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[OrganisationVotePublic]:
    """Each organisation the position went to, with its current vote or none yet (everyone in the network)."""
    async with session.begin():
        await service.get_position(session, position_id, principal)
        return [OrganisationVotePublic.of(v) for v in await queries.statuses(session, position_id)]


@router.get("/{position_id}/ballots", responses=READ)
async def list_ballots(position_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[BallotPublic]:
    """Every vote ever cast on the position, oldest first, so changed votes stay visible."""
    async with session.begin():
        await service.get_position(session, position_id, principal)
        return [BallotPublic.of(b) for b in await queries.ballots(session, position_id)]


@router.post("/{position_id}/publish", responses=WRITE)
async def publish(position_id: UUID, body: Publication, principal: PrincipalDep, session: SessionDep) -> PositionDetail:
    """Send the position (the owning group's chairs, network admins): it lists exactly the organisations whose
    last vote endorsed it, is frozen from now on, and is public if asked. Publishes PositionPublished."""
    async with session.begin():
        position = await service.publish_position(session, position_id, body.public, by=principal)
        return PositionDetail.of(await queries.view(session, position))


@public.get("", responses=PUBLIC)
async def list_public_positions(session: SessionDep, limit: Limit = 50, offset: Offset = 0) -> Page[PositionPublic]:
    """Published public positions, newest first; no login needed."""
    async with session.begin():
        items, total = await queries.list_positions(session, None, None, limit=limit, offset=offset)
    page = [PositionPublic.model_validate(p, from_attributes=True) for p in items]
    return Page(items=page, total=total, limit=limit, offset=offset)


@public.get("/{position_id}", responses=PUBLIC)
async def get_public_position(position_id: UUID, session: SessionDep) -> PositionDetail:
    """A published public position with the organisations that endorsed it; no login needed."""
    async with session.begin():
        return PositionDetail.of(await queries.public_view(session, position_id))


def _require_admin_of(principal: Principal, org_id: UUID) -> None:
    if not principal.administers(org_id):
        raise Forbidden(f"only the admins of organisation {org_id} (or network admins) can name who votes for it")


MANDATE: dict[int | str, dict[str, object]] = {
    **READ,
    403: {"description": "Not an admin of this organisation (reading: not of it), nor a network admin"},
    404: {"description": "No such organisation"},
}


@mandates.get("/{org_id}/mandate", responses=MANDATE)
async def get_mandate(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> MandatePublic:
    """Who votes for the organisation on positions (its people and network admins)."""
    if not (principal.is_network_admin or principal.org_id == org_id):
        raise Forbidden(f"only people of organisation {org_id} (or network admins) can see who votes for it")
    async with session.begin():
        return await _mandate(session, org_id)


async def _mandate(session: SessionDep, org_id: UUID) -> MandatePublic:
    await organisations.get_organisation(session, org_id)
    who = await service.mandated(session, org_id)
    return MandatePublic(
        organisation_id=org_id, mandated=list(who), explicit=await service.has_mandate(session, org_id)
    )


@mandates.put("/{org_id}/mandate", responses=MANDATE | {409: {"description": "Not an active person of it"}})
async def set_mandate(org_id: UUID, body: MandateBody, principal: PrincipalDep, session: SessionDep) -> MandatePublic:
    """Name the one person who votes for the organisation on positions (its admins, network admins)."""
    _require_admin_of(principal, org_id)
    async with session.begin():
        await organisations.get_organisation(session, org_id)
        await service.set_mandate(session, org_id, body.person_id, by=principal)
        return await _mandate(session, org_id)


@mandates.delete("/{org_id}/mandate", responses=MANDATE)
async def end_mandate(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> MandatePublic:
    """Back to the default: the organisation's board members vote for it (else its admins)."""
    _require_admin_of(principal, org_id)
    async with session.begin():
        await service.end_mandate(session, org_id)
        return await _mandate(session, org_id)
