"""Invitations: an organisation's admin invites a colleague; the colleague, signed in, accepts with the code
and joins the network as a person of that organisation. Nothing here commits.
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.models import INVITATIONS, PEOPLE, invitations
from npd_membership.organisations.domain import Status
from npd_membership.organisations.service import get_organisation
from npd_membership.people import domain
from npd_membership.people.domain import Invitation, Person, PersonStatus, Role
from npd_membership.people.service import AlreadyRegistered, store_registration


class InvitationNotFound(LookupError):
    def __init__(self, invitation_id: UUID) -> None:
        super().__init__(f"invitation {invitation_id} does not exist, or the code does not match it")


class OrganisationCannotInvite(Exception):
    def __init__(self, org_id: UUID, status: Status) -> None:
        super().__init__(f"organisation {org_id} is {status.value}; only a member in good standing invites")


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def invite(
    session: AsyncSession, org_id: UUID, *, email: str, name: str, role: Role, by: str
) -> tuple[Invitation, str]:
    """A new invitation and its code; the code is shown this once and kept only as a hash."""
    org = await get_organisation(session, org_id)
    if org.status is not Status.MEMBER:
        raise OrganisationCannotInvite(org_id, org.status)
    code = secrets.token_urlsafe(24)
    invitation = domain.invite(
        uuid4(), org_id, email=email, name=name, role=role, code_hash=_hash(code), invited_by=by, now=_now()
    )
    await INVITATIONS.insert(session, [invitation])
    return invitation, code


async def get_invitation(session: AsyncSession, org_id: UUID, invitation_id: UUID) -> Invitation:
    invitation = await INVITATIONS.get(session, invitation_id, for_update=True)
    if invitation is None or invitation.organisation_id != org_id:
        raise InvitationNotFound(invitation_id)
    return invitation


async def list_invitations(session: AsyncSession, org_id: UUID, *, limit: int, offset: int) -> Sequence[Invitation]:
    stmt = INVITATIONS.select().where(invitations.c.organisation_id == org_id)
    stmt = stmt.order_by(invitations.c.created_at.desc(), invitations.c.id).limit(limit).offset(offset)
    return await INVITATIONS.all(session, stmt)


async def withdraw(session: AsyncSession, org_id: UUID, invitation_id: UUID) -> Invitation:
    invitation = await get_invitation(session, org_id, invitation_id)
    withdrawn = domain.withdraw(invitation, _now())
    await INVITATIONS.update(session, withdrawn, "status", "closed_at")
    return withdrawn


async def accept(session: AsyncSession, invitation_id: UUID, code: str, *, person_id: str) -> Person:
    """The signed-in caller accepts: they join the invitation's organisation with its role (and member)."""
    invitation = await INVITATIONS.get(session, invitation_id, for_update=True)
    # A wrong code answers like an unknown invitation: ids alone must not let anyone probe or accept.
    if invitation is None or not hmac.compare_digest(invitation.code_hash, _hash(code)):
        raise InvitationNotFound(invitation_id)
    accepted = domain.accept(invitation, person_id, _now())
    existing = await PEOPLE.get(session, person_id, for_update=True)
    if existing is not None and existing.status is not PersonStatus.LEFT:  # someone who left may come back
        raise AlreadyRegistered(person_id)
    org = await get_organisation(session, invitation.organisation_id, for_update=True)
    if org.status is not Status.MEMBER:
        raise OrganisationCannotInvite(org.id, org.status)
    await INVITATIONS.update(session, accepted, "status", "accepted_by", "closed_at")
    roles = (invitation.role, Role.MEMBER)
    registered = domain.register(
        person_id,
        invitation.organisation_id,
        name=invitation.name,
        email=invitation.email,
        language="nl",
        roles=roles,
        granted_by=invitation.invited_by,
        now=accepted.closed_at or _now(),
    )
    return await store_registration(session, registered)
