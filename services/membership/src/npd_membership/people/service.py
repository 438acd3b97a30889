"""People use cases: registration, roles, profile, leaving and erasure. Each takes the caller's session and
writes its events to the outbox; nothing here commits.
"""

from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

import npd_contracts as contracts
from npd_runtime import changed_fields, publish
from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.groups.domain import GroupLeaveReason
from npd_membership.models import (
    PEOPLE,
    PERSON_ROLES,
    group_members,
    invitations,
    organisations,
    people,
    person_roles,
)
from npd_membership.people import domain
from npd_membership.people.domain import Person, PersonStatus, Role, RoleEndReason, RoleGrant, Visibility


class PersonNotFound(LookupError):
    def __init__(self, person_id: str) -> None:
        super().__init__(f"person {person_id!r} is not in the network")


class AlreadyRegistered(Exception):
    def __init__(self, person_id: str) -> None:
        super().__init__(f"person {person_id!r} is already in the network")


class LastNetworkAdmin(Exception):
    def __init__(self) -> None:
        super().__init__("the network's last network admin cannot lose the role; grant it to someone else first")


# What an erased address becomes: a syntactically valid address that delivers nowhere (RFC 2606).
ERASED_EMAIL = "erased@erased.invalid"


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


def _contact(person_id: str, email: str | None, at: datetime) -> contracts.PersonContactChanged:
    """The person's address on the restricted contact topic (decision 56); None once they are unreachable."""
    return contracts.PersonContactChanged(person_id=person_id, email=email, changed_at=at)


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
            contact = [_contact(p.id, p.email, p.registered_at)] if p.email else []
            return [registered, *(_granted(g) for g in grants), *contact]
        case domain.ProfileChanged(person=p):
            return [contracts.PersonProfileChanged(person_id=p.id, name=p.name, language=p.language, changed_at=_now())]
        case domain.RoleGranted(grant=grant):
            return [_granted(grant)]
        case domain.RoleRevoked(grant=grant, reason=reason, at=at):
            return [_revoked(grant, reason, at)]
        case domain.Left(person=p):
            assert p.left_at is not None
            left = contracts.PersonLeft(person_id=p.id, organisation_id=p.organisation_id, left_at=p.left_at)
            return [left, _contact(p.id, None, p.left_at)]
        case domain.Erased(person=p):
            assert p.erased_at is not None
            return [contracts.PersonErased(person_id=p.id, erased_at=p.erased_at), _contact(p.id, None, p.erased_at)]


async def get_person(session: AsyncSession, person_id: str, *, for_update: bool = False) -> Person:
    person = await PEOPLE.get(session, person_id, for_update=for_update)
    if person is None:
        raise PersonNotFound(person_id)
    return person


async def grants_of(session: AsyncSession, person_id: str) -> tuple[RoleGrant, ...]:
    stmt = PERSON_ROLES.select().where(person_roles.c.person_id == person_id).order_by(person_roles.c.role)
    return tuple(await PERSON_ROLES.all(session, stmt))


async def store_registration(session: AsyncSession, change: domain.Registered) -> Person:
    """Store a registration and announce it; AlreadyRegistered when the person is in the network already
    (or was erased), also when a concurrent transaction registered them a moment ago: the insert waits for
    it (a lookup beforehand locks no row that does not exist yet). Someone who left comes back with a fresh
    record under the same id: a new invitation, or their organisation admitted again."""
    if not await PEOPLE.insert_new(session, change.person):
        existing = await PEOPLE.get(session, change.person.id, for_update=True)
        if existing is None or existing.status is not PersonStatus.LEFT:
            raise AlreadyRegistered(change.person.id)
        await PEOPLE.update(session, change.person, *changed_fields(existing, change.person))
    await PERSON_ROLES.insert(session, change.grants, events=contract_events(change))
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
    try:
        return await store_registration(session, change)
    except AlreadyRegistered:
        return None  # registered by a concurrent admission of another organisation they are the contact of


async def ensure_network_admin(session: AsyncSession, subject: str) -> None:
    """A configured network admin joins the network as staff (no organisation) if missing, or gets the role if
    in it without; someone who left or was erased stays out."""
    person = await PEOPLE.get(session, subject, for_update=True)
    if person is None:
        registered = domain.register(
            subject,
            None,
            name=subject,
            email=None,
            language="nl",
            roles=(Role.NETWORK_ADMIN,),
            granted_by=None,
            now=_now(),
        )
        await store_registration(session, registered)
        return
    held = frozenset(g.role for g in await grants_of(session, subject))
    if person.status is domain.PersonStatus.ACTIVE and Role.NETWORK_ADMIN not in held:
        granted = domain.grant(person, held, Role.NETWORK_ADMIN, "membership", _now())
        await PERSON_ROLES.insert(session, [granted.grant])
        await publish(session, *contract_events(granted))


async def end_organisation(session: AsyncSession, org_id: UUID, at: datetime) -> None:
    """An organisation left: every role its people hold in it ends, and every group membership they have,
    each with its event (reason organisation_left); then its people leave the network (PersonLeft), since
    they were in it through their organisation. Their records stay, as `left`, for history."""
    members = select(people.c.id).where(people.c.organisation_id == org_id)
    events = await _end_roles(session, person_roles.c.organisation_id == org_id, RoleEndReason.ORGANISATION_LEFT, at)
    events += await _end_groups(session, group_members.c.person_id.in_(members), GroupLeaveReason.ORGANISATION_LEFT, at)
    departed = await session.execute(
        update(people)
        .where(people.c.organisation_id == org_id, people.c.status == PersonStatus.ACTIVE)
        .values(status=PersonStatus.LEFT, left_at=at)
        .returning(people.c.id)
    )
    for (p,) in departed:
        events += [contracts.PersonLeft(person_id=p, organisation_id=org_id, left_at=at), _contact(p, None, at)]
    # Sorted by person (stably: each person's roles, then groups, then leaving), which is the order that matters.
    await publish(session, *sorted(events, key=lambda e: e.subject))


async def _end_groups(
    session: AsyncSession, whose: ColumnElement[bool], reason: GroupLeaveReason, at: datetime
) -> list[contracts.EventData]:
    """`whose` group memberships end, each with its event; requests to join end quietly (they were never
    memberships)."""
    left = await session.execute(
        delete(group_members)
        .where(whose)
        .returning(group_members.c.person_id, group_members.c.group_id, group_members.c.status)
    )
    return [
        contracts.PersonLeftGroup(
            person_id=person_id, group_id=group_id, reason=contracts.GroupLeaveReason(reason), left_at=at
        )
        for person_id, group_id, status in left
        if status == "active"
    ]


async def _end_roles(
    session: AsyncSession, which: ColumnElement[bool], reason: RoleEndReason, at: datetime
) -> list[contracts.EventData]:
    ended = await session.execute(
        delete(person_roles).where(which).returning(*[person_roles.c[name] for name in PERSON_ROLES.fields])
    )
    return [_revoked(PERSON_ROLES.load(row), reason, at) for row in ended]


async def leave_network(session: AsyncSession, person_id: str) -> Person:
    """The person leaves: their roles and groups end first (each with its event), then PersonLeft."""
    person = await get_person(session, person_id, for_update=True)
    change = domain.leave(person, _now())
    at = change.person.left_at
    assert at is not None
    ended = await _end_roles(session, person_roles.c.person_id == person_id, RoleEndReason.PERSON_LEFT, at)
    ended += await _end_groups(session, group_members.c.person_id == person_id, GroupLeaveReason.PERSON_LEFT, at)
    await publish(session, *ended)
    await PEOPLE.update(session, change.person, "status", "left_at", events=contract_events(change))
    return change.person


async def erase(session: AsyncSession, person_id: str) -> Person:
    """GDPR erasure: roles and groups end, personal data goes from the person, from invitations that named
    them and from organisations they applied for; PersonErased tells every other service to do the same."""
    person = await get_person(session, person_id, for_update=True)
    change = domain.erase(person, _now())
    at = change.person.erased_at
    assert at is not None
    ended = await _end_roles(session, person_roles.c.person_id == person_id, RoleEndReason.ERASED, at)
    ended += await _end_groups(session, group_members.c.person_id == person_id, GroupLeaveReason.ERASED, at)
    await publish(session, *ended)
    fields = ("name", "email", "function_title", "visibility", "status", "left_at", "erased_at")
    await PEOPLE.update(session, change.person, *fields, events=contract_events(change))
    await session.execute(
        update(invitations)
        .where(invitations.c.accepted_by == person_id)
        .values(email=ERASED_EMAIL, name=domain.ERASED_NAME)
    )
    await session.execute(
        update(organisations)
        .where(organisations.c.contact_person_id == person_id)
        .values(contact_name=domain.ERASED_NAME, contact_email=ERASED_EMAIL)
    )
    return change.person


async def change_profile(
    session: AsyncSession,
    person_id: str,
    *,
    name: str,
    language: str,
    function_title: str | None,
    visibility: Visibility,
) -> Person:
    person = await get_person(session, person_id, for_update=True)
    change = domain.change_profile(
        person, name=name, language=language, function_title=function_title, visibility=visibility
    )
    if change is None:
        return person
    after = change.person
    # Only the name and language travel in events; a new function title or visibility stays here.
    announced = (after.name, after.language) != (person.name, person.language)
    fields = changed_fields(person, after)
    await PEOPLE.update(session, after, *fields, events=contract_events(change) if announced else ())
    return after


async def _count_network_admins(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(person_roles).where(person_roles.c.role == Role.NETWORK_ADMIN)
    return int((await session.execute(stmt)).scalar_one())


async def grant_role(session: AsyncSession, person_id: str, role: Role, *, by: str) -> tuple[RoleGrant, ...]:
    person = await get_person(session, person_id, for_update=True)
    held = await grants_of(session, person_id)
    change = domain.grant(person, frozenset(g.role for g in held), role, by, _now())
    await PERSON_ROLES.insert(session, [change.grant])
    await publish(session, *contract_events(change))
    return (*held, change.grant)


async def revoke_role(session: AsyncSession, person_id: str, role: Role) -> tuple[RoleGrant, ...]:
    await get_person(session, person_id, for_update=True)
    held = await grants_of(session, person_id)
    change = domain.revoke(held, role, RoleEndReason.REVOKED, _now())
    if role is Role.NETWORK_ADMIN and await _count_network_admins(session) <= 1:
        raise LastNetworkAdmin()
    await session.execute(
        delete(person_roles).where(person_roles.c.person_id == person_id, person_roles.c.role == role)
    )
    await publish(session, *contract_events(change))
    return tuple(g for g in held if g.role is not role)
