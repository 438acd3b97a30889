"""People use cases: registration, roles, profile, leaving and erasure. Each takes the caller's session and
writes its events to the outbox; nothing here commits.
"""

from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

import npd_contracts as contracts
from npd_runtime import publish
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.models import PEOPLE, PERSON_ROLES, group_members, people, person_roles
from npd_membership.people import domain
from npd_membership.people.domain import Person, Role, RoleEndReason, RoleGrant


class PersonNotFound(LookupError):
    def __init__(self, person_id: str) -> None:
        super().__init__(f"person {person_id!r} is not in the network")


class AlreadyRegistered(Exception):
    def __init__(self, person_id: str) -> None:
        super().__init__(f"person {person_id!r} is already in the network")


class HasAnotherOrganisation(Exception):
    def __init__(self, person_id: str) -> None:
        super().__init__(f"person {person_id!r} belongs to another organisation")


def _now() -> datetime:
    return datetime.now(UTC)


def _granted(grant: RoleGrant) -> contracts.PersonRoleGranted:
    return contracts.PersonRoleGranted(
        person_id=grant.person_id,
        role=contracts.Role(grant.role),
        organisation_id=grant.organisation_id,
        granted_at=grant.granted_at,
    )


def _revoked(grant: RoleGrant, reason: RoleEndReason, at: datetime) -> contracts.PersonRoleRevoked:
    return contracts.PersonRoleRevoked(
        person_id=grant.person_id,
        role=contracts.Role(grant.role),
        organisation_id=grant.organisation_id,
        reason=contracts.RoleEndReason(reason),
        revoked_at=at,
    )


def contract_events(change: domain.Change) -> list[contracts.EventData]:
    """The events that announce a change to a person: the only place where this domain meets the contracts."""
    match change:
        case domain.Registered(person=p, grants=grants):
            registered = contracts.PersonRegistered(
                person_id=p.id,
                organisation_id=p.organisation_id,
                name=p.name,
                language=p.language,
                registered_at=p.registered_at,
            )
            return [registered, *(_granted(g) for g in grants)]
        case domain.ProfileChanged(person=p):
            return [contracts.PersonProfileChanged(person_id=p.id, name=p.name, language=p.language, changed_at=_now())]
        case domain.RoleGranted(grant=grant):
            return [_granted(grant)]
        case domain.RoleRevoked(grant=grant, reason=reason, at=at):
            return [_revoked(grant, reason, at)]
        case domain.Left(person=p):
            assert p.left_at is not None
            return [contracts.PersonLeft(person_id=p.id, organisation_id=p.organisation_id, left_at=p.left_at)]
        case domain.Erased(person=p):
            assert p.erased_at is not None
            return [contracts.PersonErased(person_id=p.id, erased_at=p.erased_at)]


async def get_person(session: AsyncSession, person_id: str, *, for_update: bool = False) -> Person:
    person = await PEOPLE.get(session, person_id, for_update=for_update)
    if person is None:
        raise PersonNotFound(person_id)
    return person


async def grants_of(session: AsyncSession, person_id: str) -> tuple[RoleGrant, ...]:
    stmt = PERSON_ROLES.select().where(person_roles.c.person_id == person_id).order_by(person_roles.c.role)
    return tuple(await PERSON_ROLES.all(session, stmt))


async def _store_registration(session: AsyncSession, change: domain.Registered) -> Person:
    await PEOPLE.insert(session, [change.person])
    await PERSON_ROLES.insert(session, change.grants)
    await publish(session, *contract_events(change))
    return change.person


class AdmittedOrganisation(Protocol):
    """What registering an admitted organisation's contact needs of it."""

    @property
    def id(self) -> UUID: ...
    @property
    def contact_person_id(self) -> str: ...
    @property
    def contact_name(self) -> str: ...
    @property
    def contact_email(self) -> str: ...


async def register_contact(session: AsyncSession, org: AdmittedOrganisation, *, by: str) -> Person | None:
    """An admitted organisation's contact joins the network as its admin (unless already in the network)."""
    existing = await PEOPLE.get(session, org.contact_person_id, for_update=True)
    if existing is not None:
        return None
    change = domain.register(
        org.contact_person_id,
        org.id,
        name=org.contact_name or org.contact_person_id,
        email=org.contact_email,
        language="nl",
        roles=(Role.ORG_ADMIN, Role.MEMBER),
        granted_by=by,
        now=_now(),
    )
    return await _store_registration(session, change)


async def ensure_network_admin(session: AsyncSession, subject: str) -> None:
    """A configured network admin joins the network as staff (no organisation) if missing, or gets the role if
    in it without; someone who left or was erased stays out."""
    person = await PEOPLE.get(session, subject, for_update=True)
    if person is None:
        roles = (Role.NETWORK_ADMIN,)
        registered = domain.register(subject, None, name=subject, email=None, language="nl", roles=roles,
                                     granted_by=None, now=_now())  # fmt: skip
        await _store_registration(session, registered)
        return
    held = frozenset(g.role for g in await grants_of(session, subject))
    if person.status is domain.PersonStatus.ACTIVE and Role.NETWORK_ADMIN not in held:
        granted = domain.grant(person, held, Role.NETWORK_ADMIN, "membership", _now())
        await PERSON_ROLES.insert(session, [granted.grant])
        await publish(session, *contract_events(granted))


async def end_organisation(session: AsyncSession, org_id: UUID, at: datetime) -> None:
    """An organisation left: every role its people hold in it ends, and every group membership they have,
    each with its event (reason organisation_left)."""
    ended = await session.execute(
        delete(person_roles)
        .where(person_roles.c.organisation_id == org_id)
        .returning(*[person_roles.c[name] for name in PERSON_ROLES.fields])
    )
    grants = [PERSON_ROLES.load(row) for row in ended]
    members = select(people.c.id).where(people.c.organisation_id == org_id)
    left_groups = await session.execute(
        delete(group_members)
        .where(group_members.c.person_id.in_(members), group_members.c.status == "active")
        .returning(group_members.c.person_id, group_members.c.group_id)
    )
    events: list[contracts.EventData] = [_revoked(g, RoleEndReason.ORGANISATION_LEFT, at) for g in grants]
    events += [
        contracts.PersonLeftGroup(
            person_id=person_id,
            group_id=group_id,
            reason=contracts.GroupLeaveReason.ORGANISATION_LEFT,
            left_at=at,
        )
        for person_id, group_id in left_groups
    ]
    # Pending requests to join groups end quietly: they were never memberships.
    await session.execute(delete(group_members).where(group_members.c.person_id.in_(members)))
    await publish(session, *sorted(events, key=lambda e: e.subject))
