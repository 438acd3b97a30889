"""Organisations API (/v1/organisations, /v1/network): apply, decide, suspend, leave, read. Who may do what
is decided here, per object. Errors raised below become problem documents by PROBLEMS.
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

from npd_membership.organisations import domain, service
from npd_membership.organisations.domain import Organisation, Status
from npd_membership.organisations.schemas import (
    Decision,
    DepartureCreate,
    DomainFilter,
    Growth,
    GrowthYear,
    KindFilter,
    NameFilter,
    OrganisationCreate,
    OrganisationPublic,
    ProfileBody,
    SizeFilter,
    StatusEntryPublic,
    StatusFilter,
)

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])
network = APIRouter(prefix="/v1/network", tags=["organisations"])

_CONFLICT = "Conflict with the current state"
PROBLEMS: Problems = {
    service.OrganisationNotFound: NOT_FOUND,
    service.DuplicateName: ProblemType(409, "duplicate-organisation", _CONFLICT),
    domain.TransitionRefused: ProblemType(409, "transition-refused", _CONFLICT),
    domain.NotAnApplication: ProblemType(409, "not-an-application", _CONFLICT),
    domain.NotAMember: ProblemType(409, "not-a-member", _CONFLICT),
    domain.NotSuspended: ProblemType(409, "not-suspended", _CONFLICT),
    domain.NoLongerInTheNetwork: ProblemType(409, "no-longer-in-the-network", _CONFLICT),
}

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller may not do this to this organisation"},
    404: {"description": "No such organisation"},
    422: {"description": "The request is not valid"},
}
_TRANSITION: dict[int | str, dict[str, object]] = {
    409: {"description": "The organisation's status does not allow this"},
    **ERRORS,
}


def _sees_contact(principal: Principal, org: Organisation) -> bool:
    return principal.administers(org.id) or principal.person_id == org.contact_person_id


def _may_read(principal: Principal, org: Organisation) -> bool:
    # Members of the network are public to everyone signed in; applications and the past are not.
    return org.status in domain.IN_NETWORK or _sees_contact(principal, org)


def _public(principal: Principal, org: Organisation) -> OrganisationPublic:
    return OrganisationPublic.of(org, with_contact=_sees_contact(principal, org))


@router.post("", status_code=status.HTTP_201_CREATED, responses={409: {"description": "Name taken"}, **ERRORS})
async def apply_for_membership(
    body: OrganisationCreate, principal: PrincipalDep, session: SessionDep, response: Response
) -> OrganisationPublic:
    """Apply to join the network; the caller becomes the organisation's contact, and its admin once admitted."""
    async with session.begin():
        org = await service.apply_for_membership(
            session,
            body.profile(),
            contact_person_id=principal.person_id,
            contact_name=body.contact_name,
            contact_email=str(body.contact_email),
        )
    response.headers["Location"] = f"{router.prefix}/{org.id}"
    return _public(principal, org)


@router.get("", responses=ERRORS)
async def list_organisations(
    principal: PrincipalDep,
    session: SessionDep,
    status: StatusFilter = None,
    kind: KindFilter = None,
    domain_: DomainFilter = None,
    size_class: SizeFilter = None,
    name: NameFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OrganisationPublic]:
    """Organisations by name. Everyone signed in sees the members (suspended ones included); network admins
    see applications, rejections and departures too."""
    if principal.is_network_admin:
        statuses = frozenset({status}) if status else frozenset(Status)
    elif status is None or status in domain.IN_NETWORK:
        statuses = frozenset({status}) if status else domain.IN_NETWORK
    else:
        raise Forbidden("only network admins list applications and former members")
    filters = service.Filters(statuses, kind=kind, domain=domain_, size_class=size_class, name=name)
    async with session.begin():
        orgs, total = await service.list_organisations(session, filters, limit=limit, offset=offset)
    return Page(items=[_public(principal, o) for o in orgs], total=total, limit=limit, offset=offset)


@router.get("/{org_id}", responses=ERRORS)
async def get_organisation(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> OrganisationPublic:
    """One organisation: a member for everyone signed in, an application for its contact and network admins."""
    async with session.begin():
        org = await service.get_organisation(session, org_id)
    if not _may_read(principal, org):
        # Answer as if it did not exist: whether an organisation applied is not everyone's business.
        raise NotFound("organisation", org_id)
    return _public(principal, org)


@router.get("/{org_id}/history", responses=ERRORS)
async def status_history(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[StatusEntryPublic]:
    """Every status the organisation has had, oldest first, with reasons (its admins and network admins)."""
    async with session.begin():
        org = await service.get_organisation(session, org_id)
        if not _sees_contact(principal, org):
            raise NotFound("organisation", org_id)
        entries = await service.status_history(session, org_id)
    return [StatusEntryPublic.of(e) for e in entries]


@router.put("/{org_id}/profile", responses={409: {"description": "Name taken, or no longer a member"}, **ERRORS})
async def change_profile(
    org_id: UUID, body: ProfileBody, principal: PrincipalDep, session: SessionDep
) -> OrganisationPublic:
    """Replace the organisation's name, kind, domains and size (its admins and network admins)."""
    if not principal.administers(org_id):
        raise Forbidden("only a network admin or this organisation's admin can change its profile")
    async with session.begin():
        org = await service.change_profile(session, org_id, body.profile())
    return _public(principal, org)


@router.post("/{org_id}/admit", responses=_TRANSITION)
async def admit_organisation(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> OrganisationPublic:
    """Admit an applicant (network admins only); publishes MemberJoined, and registers its contact as the
    organisation's admin."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        org = await service.admit_organisation(session, org_id, by=principal.person_id)
    return _public(principal, org)


@router.post("/{org_id}/reject", responses=_TRANSITION)
async def reject_application(
    org_id: UUID, body: Decision, principal: PrincipalDep, session: SessionDep
) -> OrganisationPublic:
    """Turn an application down with a reason (network admins only); the name is free again."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        org = await service.reject_application(session, org_id, body.reason, by=principal.person_id)
    return _public(principal, org)


@router.post("/{org_id}/suspend", responses=_TRANSITION)
async def suspend_member(
    org_id: UUID, body: Decision, principal: PrincipalDep, session: SessionDep
) -> OrganisationPublic:
    """Suspend a member with a reason (network admins only)."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        org = await service.suspend_member(session, org_id, body.reason, by=principal.person_id)
    return _public(principal, org)


@router.post("/{org_id}/reinstate", responses=_TRANSITION)
async def reinstate_member(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> OrganisationPublic:
    """End a suspension (network admins only)."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        org = await service.reinstate_member(session, org_id, by=principal.person_id)
    return _public(principal, org)


@router.post("/{org_id}/leave", responses=_TRANSITION)
async def leave_network(
    org_id: UUID, principal: PrincipalDep, session: SessionDep, body: DepartureCreate | None = None
) -> OrganisationPublic:
    """End a membership: the organisation's own admin withdraws, or a network admin removes it. Its people's
    roles and group memberships end with it (each with its event)."""
    if not principal.administers(org_id):
        raise Forbidden("only a network admin or this organisation's admin can end its membership")
    reason = (body or DepartureCreate()).reason
    if reason is domain.LeaveReason.REMOVED and not principal.is_network_admin:
        raise Forbidden("only a network admin removes an organisation; its own admin withdraws it")
    async with session.begin():
        org = await service.record_departure(session, org_id, reason, by=principal.person_id)
    return _public(principal, org)


@network.get("/growth", responses={401: ERRORS[401]})
async def growth(principal: PrincipalDep, session: SessionDep) -> Growth:
    """The network over the years: organisations that joined and left, and the members at each year's end."""
    async with session.begin():
        years = await service.growth(session)
    return Growth(years=[GrowthYear.of(y) for y in years])
