"""Mobility API (/v1/opportunities, /v1/me/interests, /v1/organisations/{org_id}/shared-interests): member
organisations offer opportunities to the whole network; people express interest; only the offering
organisation (its admins, the named contact) sees who, and answers. A person's own organisation sees their
interest only when they share it. Errors raised below become problem documents by PROBLEMS.
"""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from npd_runtime import (
    NOT_FOUND,
    Forbidden,
    Limit,
    Offset,
    Page,
    PrincipalDep,
    Problems,
    ProblemType,
    Role,
    SessionDep,
    require_network,
)

from npd_membership.mobility import domain, queries, service
from npd_membership.mobility.schemas import (
    AnswerBody,
    InterestCreate,
    InterestPublic,
    KindFilter,
    OpportunityCreate,
    OpportunityPublic,
)

router = APIRouter(prefix="/v1/opportunities", tags=["mobility"])
mine = APIRouter(tags=["mobility"])

_CONFLICT = "Conflict with the current state"
PROBLEMS: Problems = {
    service.OpportunityNotFound: NOT_FOUND,
    service.InterestNotFound: ProblemType(404, "no-such-interest", "Not found"),
    service.NotOffering: ProblemType(403, "not-offering", "Forbidden"),
    service.NotAMember: ProblemType(409, "not-a-member", _CONFLICT),
    service.ContactNotInOrganisation: ProblemType(409, "contact-not-in-organisation", _CONFLICT),
    domain.OpportunityRefused: ProblemType(409, "opportunity-refused", _CONFLICT),
    domain.NotOpen: ProblemType(409, "opportunity-closed", _CONFLICT),
    domain.AlreadyClosed: ProblemType(409, "opportunity-already-closed", _CONFLICT),
    domain.AlreadyInterested: ProblemType(409, "already-interested", _CONFLICT),
    domain.BadExpiry: ProblemType(422, "bad-expiry", "The expiry must be in the future and within a year"),
}

READ: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller is not in the network"},
    404: {"description": "No such opportunity"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    403: {"description": "The caller may not do this (not of the offering organisation, not its admin)"},
    404: {"description": "No such opportunity or interest"},
    409: {
        "description": "The opportunity's state does not allow this (closed, expired, already interested), or the "
        "contact is not one of the organisation's people"
    },
}


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def publish_opportunity(
    body: OpportunityCreate, principal: PrincipalDep, session: SessionDep, response: Response
) -> OpportunityPublic:
    """Offer an opportunity to the network (the organisation's admins, network admins). Publishes
    OpportunityPublished."""
    if not principal.administers(body.organisation_id):
        raise Forbidden(f"only the admins of organisation {body.organisation_id} can offer opportunities for it")
    async with session.begin():
        opportunity = await service.publish(session, body.organisation_id, body.listing(), by=principal)
    response.headers["Location"] = f"{router.prefix}/{opportunity.id}"
    return OpportunityPublic.of(opportunity, _now())


@router.get("", responses=READ)
async def list_opportunities(
    principal: PrincipalDep,
    session: SessionDep,
    kind: KindFilter = None,
    organisation_id: Annotated[UUID | None, Query(description="Only those offered by this organisation")] = None,
    include_closed: Annotated[bool, Query(description="Closed and expired ones too")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OpportunityPublic]:
    """Opportunities across the network, newest first; open ones unless asked otherwise (everyone in it)."""
    require_network(principal)
    now = _now()
    async with session.begin():
        items, total = await queries.list_opportunities(
            session,
            now,
            kind=kind,
            organisation_id=organisation_id,
            include_closed=include_closed,
            limit=limit,
            offset=offset,
        )
    return Page(items=[OpportunityPublic.of(o, now) for o in items], total=total, limit=limit, offset=offset)


@router.get("/{opportunity_id}", responses=READ)
async def get_opportunity(opportunity_id: UUID, principal: PrincipalDep, session: SessionDep) -> OpportunityPublic:
    require_network(principal)
    async with session.begin():
        return OpportunityPublic.of(await service.get_opportunity(session, opportunity_id), _now())


@router.post("/{opportunity_id}/close", responses=WRITE)
async def close_opportunity(opportunity_id: UUID, principal: PrincipalDep, session: SessionDep) -> OpportunityPublic:
    """No more interest (the offering organisation's admins, its contact, network admins). Publishes
    OpportunityClosed; those already interested keep their answers."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        return OpportunityPublic.of(await service.close(session, opportunity_id, by=principal), _now())


@router.post("/{opportunity_id}/interests", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def express_interest(
    opportunity_id: UUID, body: InterestCreate, principal: PrincipalDep, session: SessionDep
) -> InterestPublic:
    """Say you are interested, with an optional note for the offering organisation (everyone in the network).
    Publishes InterestExpressed, which names neither you nor your note; 409 once closed or expired."""
    require_network(principal)
    async with session.begin():
        interest = await service.express(
            session, opportunity_id, body.note, body.share_with_own_organisation, by=principal
        )
        found = [v for v in await queries.interests_of(session, principal.person_id) if v.interest.id == interest.id]
    return InterestPublic.of(found[0])


@router.delete("/{opportunity_id}/interests/mine", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE)
async def withdraw_interest(opportunity_id: UUID, principal: PrincipalDep, session: SessionDep) -> None:
    """Take your interest back: it and your note are deleted."""
    require_network(principal)
    async with session.begin():
        await service.withdraw(session, opportunity_id, by=principal)


@router.get("/{opportunity_id}/interests", responses=WRITE)
async def list_interested(opportunity_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[InterestPublic]:
    """Who is interested, with their notes (the offering organisation's admins and the named contact only: not
    network admins, not the people's own organisations)."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        opportunity = await service.get_opportunity(session, opportunity_id)
        if not service.offers(opportunity, principal):
            raise service.NotOffering(opportunity)
        return [InterestPublic.of(v) for v in await queries.interested_in(session, opportunity_id)]


@router.post("/{opportunity_id}/interests/{interest_id}/answer", responses=WRITE)
async def answer_interest(
    opportunity_id: UUID, interest_id: UUID, body: AnswerBody, principal: PrincipalDep, session: SessionDep
) -> InterestPublic:
    """Invite or decline someone who is interested (the offering organisation's admins and the named contact);
    the person sees the answer among their interests."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        interest = await service.answer(session, opportunity_id, interest_id, body.answer, body.message, by=principal)
        found = [v for v in await queries.interested_in(session, opportunity_id) if v.interest.id == interest.id]
    return InterestPublic.of(found[0])


@mine.get("/v1/me/interests", responses=READ)
async def my_interests(principal: PrincipalDep, session: SessionDep) -> list[InterestPublic]:
    """Your interests and the answers to them."""
    require_network(principal)
    async with session.begin():
        return [InterestPublic.of(v) for v in await queries.interests_of(session, principal.person_id)]


@mine.get(
    "/v1/organisations/{org_id}/shared-interests",
    responses=READ | {403: {"description": "Not an admin of this organisation"}},
)
async def shared_interests(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[InterestPublic]:
    """The interests that the organisation's own people chose to share with it (its admins only: network admins
    do not see people's mobility)."""
    if not (Role.ORG_ADMIN in principal.roles and principal.org_id == org_id):
        raise Forbidden(f"only the admins of organisation {org_id} see what its people share with it")
    async with session.begin():
        return [InterestPublic.of(v) for v in await queries.shared_with(session, org_id)]
