"""People API (/v1/me, /v1/people, /v1/organisations/{id}/invitations, /v1/invitations): joining by
invitation, roles, profile, leaving and erasure. Who may do what is decided here, per object.
"""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response, status
from npd_runtime import (
    NOT_FOUND,
    Forbidden,
    Limit,
    NotFound,
    Offset,
    Principal,
    PrincipalDep,
    Problems,
    ProblemType,
    SessionDep,
)
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.mobility import service as mobility
from npd_membership.people import domain, invitations, service
from npd_membership.people.domain import Person, Role
from npd_membership.people.schemas import (
    Acceptance,
    GrantPublic,
    InvitationCreate,
    InvitationCreated,
    InvitationPublic,
    NetworkRole,
    PersonPublic,
    ProfileUpdate,
)
from npd_membership.positions import service as positions

PersonId = Annotated[str, Path(min_length=1, max_length=255, description="The person: their token's subject")]

_CONFLICT = "Conflict with the current state"
PROBLEMS: Problems = {
    service.PersonNotFound: NOT_FOUND,
    service.AlreadyRegistered: ProblemType(409, "already-registered", _CONFLICT),
    service.LastNetworkAdmin: ProblemType(409, "last-network-admin", _CONFLICT),
    domain.PersonRefused: ProblemType(409, "person-refused", _CONFLICT),
    domain.NotActive: ProblemType(409, "person-not-active", _CONFLICT),
    domain.RoleNotForNetworkStaff: ProblemType(409, "role-needs-an-organisation", _CONFLICT),
    domain.AlreadyHoldsRole: ProblemType(409, "already-holds-role", _CONFLICT),
    domain.DoesNotHoldRole: ProblemType(409, "does-not-hold-role", _CONFLICT),
    domain.InvitationClosed: ProblemType(409, "invitation-closed", _CONFLICT),
    domain.InvitationExpired: ProblemType(410, "invitation-expired", "The invitation has expired"),
    invitations.InvitationNotFound: NOT_FOUND,
    invitations.OrganisationCannotInvite: ProblemType(409, "organisation-cannot-invite", _CONFLICT),
}

router = APIRouter(tags=["people"])

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller may not do this"},
    404: {"description": "No such person (or not one the caller may see)"},
    409: {"description": "The person's state does not allow this"},
    422: {"description": "The request is not valid"},
}
_INVITATION_ERRORS: dict[int | str, dict[str, object]] = {
    **ERRORS,
    404: {"description": "No such invitation or organisation"},
    409: {"description": "The organisation cannot invite now, or the invitation is closed"},
}


def _manages(principal: Principal, person: Person) -> bool:
    """Network admins manage everyone; an org admin the people of their own organisation."""
    if principal.is_network_admin:
        return True
    return person.organisation_id is not None and principal.administers(person.organisation_id)


async def _person_for(session: AsyncSession, principal: Principal, person_id: str) -> Person:
    """The person, if the caller is them or manages them; anyone else is told it does not exist."""
    person = await service.get_person(session, person_id, for_update=True)
    if person.id != principal.person_id and not _manages(principal, person):
        raise NotFound("person", person_id)
    return person


@router.get("/v1/me", responses=ERRORS)
async def who_am_i(principal: PrincipalDep, session: SessionDep) -> PersonPublic:
    """The caller's own record in the network, with their roles; 404 until they joined."""
    async with session.begin():
        person = await service.get_person(session, principal.person_id)
        grants = await service.grants_of(session, person.id)
    return PersonPublic.of(person, grants)


@router.put("/v1/me", responses=ERRORS)
async def change_my_profile(body: ProfileUpdate, principal: PrincipalDep, session: SessionDep) -> PersonPublic:
    """Change one's own name, language, function title and directory visibility."""
    async with session.begin():
        person = await service.change_profile(
            session,
            principal.person_id,
            name=body.name,
            language=body.language,
            function_title=body.function_title,
            visibility=body.visibility,
        )
        grants = await service.grants_of(session, person.id)
    return PersonPublic.of(person, grants)


@router.post("/v1/people/{person_id}/leave", responses=ERRORS)
async def leave_network(person_id: PersonId, principal: PrincipalDep, session: SessionDep) -> PersonPublic:
    """The person leaves the network (themselves, their org admin or a network admin): roles and groups end."""
    async with session.begin():
        await _person_for(session, principal, person_id)
        person = await service.leave_network(session, person_id)
    return PersonPublic.of(person)


@router.post("/v1/people/{person_id}/erasure", responses=ERRORS)
async def erase_person(person_id: PersonId, principal: PrincipalDep, session: SessionDep) -> PersonPublic:
    """Erase the person's personal data (GDPR art. 17): by themselves, their org admin or a network admin.
    History keeps that someone held a role, without who; every service erases on PersonErased."""
    async with session.begin():
        await _person_for(session, principal, person_id)
        person = await service.erase(session, person_id)
        await positions.erase_person(session, person_id)
        await mobility.erase_person(session, person_id)
    return PersonPublic.of(person)


@router.get("/v1/people/{person_id}/roles", responses=ERRORS)
async def roles_of(person_id: PersonId, principal: PrincipalDep, session: SessionDep) -> list[GrantPublic]:
    """The person's roles (themselves, their org admin, network admins)."""
    async with session.begin():
        await _person_for(session, principal, person_id)
        grants = await service.grants_of(session, person_id)
    return [GrantPublic.of(g) for g in grants]


def _may_grant(principal: Principal, person: Person, role: Role) -> None:
    if role is Role.NETWORK_ADMIN and not principal.is_network_admin:
        raise Forbidden("only a network admin grants or revokes network_admin")
    if not _manages(principal, person):
        raise Forbidden("only the person's org admin or a network admin changes their roles")


@router.put("/v1/people/{person_id}/roles/{role}", responses=ERRORS)
async def grant_role(
    person_id: PersonId, role: NetworkRole, principal: PrincipalDep, session: SessionDep
) -> list[GrantPublic]:
    """Grant a role; other services act on it within seconds (PersonRoleGranted)."""
    async with session.begin():
        _may_grant(principal, await _person_for(session, principal, person_id), role)
        grants = await service.grant_role(session, person_id, role, by=principal.person_id)
    return [GrantPublic.of(g) for g in grants]


@router.delete("/v1/people/{person_id}/roles/{role}", responses=ERRORS)
async def revoke_role(
    person_id: PersonId, role: NetworkRole, principal: PrincipalDep, session: SessionDep
) -> list[GrantPublic]:
    """Revoke a role; other services refuse what it allowed within seconds (PersonRoleRevoked)."""
    async with session.begin():
        _may_grant(principal, await _person_for(session, principal, person_id), role)
        grants = await service.revoke_role(session, person_id, role)
    return [GrantPublic.of(g) for g in grants]


def _may_invite(principal: Principal, org_id: UUID) -> None:
    if not principal.administers(org_id):
        raise Forbidden("only this organisation's admin or a network admin manages its invitations")


@router.post(
    "/v1/organisations/{org_id}/invitations", status_code=status.HTTP_201_CREATED, responses=_INVITATION_ERRORS
)
async def invite(
    org_id: UUID, body: InvitationCreate, principal: PrincipalDep, session: SessionDep, response: Response
) -> InvitationCreated:
    """Invite a colleague to the network (valid 14 days). The answer holds the code, shown only here."""
    _may_invite(principal, org_id)
    async with session.begin():
        invitation, code = await invitations.invite(
            session, org_id, email=str(body.email), name=body.name, role=Role(body.role), by=principal.person_id
        )
    response.headers["Location"] = f"/v1/organisations/{org_id}/invitations/{invitation.id}"
    return InvitationCreated(**InvitationPublic.of(invitation, invitation.created_at).model_dump(), code=code)


@router.get("/v1/organisations/{org_id}/invitations", responses=_INVITATION_ERRORS)
async def list_invitations(
    org_id: UUID, principal: PrincipalDep, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> list[InvitationPublic]:
    """The organisation's invitations, newest first."""
    _may_invite(principal, org_id)
    async with session.begin():
        found = await invitations.list_invitations(session, org_id, limit=limit, offset=offset)
    now = datetime.now(UTC)
    return [InvitationPublic.of(i, now) for i in found]


@router.post("/v1/organisations/{org_id}/invitations/{invitation_id}/withdraw", responses=_INVITATION_ERRORS)
async def withdraw_invitation(
    org_id: UUID, invitation_id: UUID, principal: PrincipalDep, session: SessionDep
) -> InvitationPublic:
    """Withdraw a pending invitation."""
    _may_invite(principal, org_id)
    async with session.begin():
        invitation = await invitations.withdraw(session, org_id, invitation_id)
    return InvitationPublic.of(invitation, datetime.now(UTC))


@router.post(
    "/v1/invitations/{invitation_id}/accept",
    responses={**_INVITATION_ERRORS, 410: {"description": "The invitation has expired"}},
)
async def accept_invitation(
    invitation_id: UUID, body: Acceptance, principal: PrincipalDep, session: SessionDep
) -> PersonPublic:
    """Accept an invitation as the signed-in caller: they join the network in the inviting organisation."""
    async with session.begin():
        person = await invitations.accept(session, invitation_id, body.code, person_id=principal.person_id)
        grants = await service.grants_of(session, person.id)
    return PersonPublic.of(person, grants)
