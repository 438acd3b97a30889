"""Membership HTTP API (/v1): apply, admit, leave, read. Who may do what is decided here, per object.

Errors raised below become problem documents by PROBLEMS (main.py gives it to the runtime).
"""

from uuid import UUID

from fastapi import APIRouter, Response, status
from npd_runtime import (
    NOT_FOUND,
    Forbidden,
    Limit,
    NotFound,
    Offset,
    Page,
    Principal,
    PrincipalDep,
    Problems,
    ProblemType,
    Role,
    SessionDep,
    require_role,
)

from npd_membership import domain, service
from npd_membership.domain import Organisation
from npd_membership.schemas import DepartureCreate, OrganisationCreate, OrganisationPublic, StatusFilter

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])

PROBLEMS: Problems = {
    service.OrganisationNotFound: NOT_FOUND,
    service.DuplicateName: ProblemType(409, "duplicate-organisation", "Conflict with the current state"),
    domain.TransitionRefused: ProblemType(409, "transition-refused", "Conflict with the current state"),
    domain.NotAnApplication: ProblemType(409, "not-an-application", "Conflict with the current state"),
    domain.NotAMember: ProblemType(409, "not-a-member", "Conflict with the current state"),
}

_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller may not do this to this organisation"},
    404: {"description": "No such organisation"},
    422: {"description": "The request is not valid"},
}


def _may_read(principal: Principal, org: Organisation) -> bool:
    return principal.administers(org.id) or principal.person_id == org.contact_person_id


@router.post("", status_code=status.HTTP_201_CREATED, responses={409: {"description": "Name taken"}, **_ERRORS})
async def apply_for_membership(
    body: OrganisationCreate, principal: PrincipalDep, session: SessionDep, response: Response
) -> OrganisationPublic:
    """Apply to join the network; the caller becomes the organisation's contact."""
    async with session.begin():
        org = await service.apply_for_membership(
            session,
            name=body.name,
            kind=body.kind,
            contact_person_id=principal.person_id,
            contact_email=str(body.contact_email),
        )
    response.headers["Location"] = f"{router.prefix}/{org.id}"
    return OrganisationPublic.of(org)


@router.get("", responses=_ERRORS)
async def list_organisations(
    principal: PrincipalDep,
    session: SessionDep,
    status: StatusFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OrganisationPublic]:
    """Every organisation, by name (network admins only)."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        orgs, total = await service.list_organisations(session, status=status, limit=limit, offset=offset)
    return Page(items=[OrganisationPublic.of(o) for o in orgs], total=total, limit=limit, offset=offset)


@router.get("/{org_id}", responses=_ERRORS)
async def get_organisation(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> OrganisationPublic:
    """One organisation: for network admins, its own org admins and its contact."""
    async with session.begin():
        org = await service.get_organisation(session, org_id)
    if not _may_read(principal, org):
        # Answer as if it did not exist: whether an organisation applied is not everyone's business.
        raise NotFound("organisation", org_id)
    return OrganisationPublic.of(org)


@router.post("/{org_id}/admit", responses={409: {"description": "Not an open application"}, **_ERRORS})
async def admit_organisation(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> OrganisationPublic:
    """Admit an applicant as a member (network admins only); publishes MemberJoined."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        org = await service.admit_organisation(session, org_id)
    return OrganisationPublic.of(org)


@router.post("/{org_id}/leave", responses={409: {"description": "Not a member"}, **_ERRORS})
async def leave_network(
    org_id: UUID, principal: PrincipalDep, session: SessionDep, body: DepartureCreate | None = None
) -> OrganisationPublic:
    """End a membership: the organisation's own admin withdraws, or a network admin removes it."""
    if not principal.administers(org_id):
        raise Forbidden("only a network admin or this organisation's admin can end its membership")
    reason = (body or DepartureCreate()).reason
    async with session.begin():
        org = await service.record_departure(session, org_id, reason)
    return OrganisationPublic.of(org)
