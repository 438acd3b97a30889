"""People of the network and their roles, free of I/O and of the event contracts.

A person is identified by their identity provider's subject. They join through an invitation from their
organisation's admin (or as the contact of an admitted organisation), hold roles within that organisation,
leave, and may be erased: their personal data goes, the fact that someone held a role stays.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    NETWORK_ADMIN = "network_admin"
    ORG_ADMIN = "org_admin"
    BOARD_MEMBER = "board_member"
    ADVISER = "adviser"
    MEMBER = "member"


# Roles that hold within one organisation; network_admin holds across the network.
ORGANISATION_ROLES = frozenset({Role.ORG_ADMIN, Role.BOARD_MEMBER, Role.ADVISER, Role.MEMBER})


class RoleEndReason(StrEnum):
    REVOKED = "revoked"
    ORGANISATION_LEFT = "organisation_left"
    PERSON_LEFT = "person_left"
    ERASED = "erased"


class PersonStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"
    ERASED = "erased"


class Visibility(StrEnum):
    """Who finds a person in the directory: everyone in the network, their own organisation, or nobody."""

    NETWORK = "network"
    ORGANISATION = "organisation"
    HIDDEN = "hidden"


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"


INVITATION_LIFETIME = timedelta(days=14)
ERASED_NAME = "(erased)"


class PersonRefused(Exception):
    """The person's state does not allow this change."""


class NotActive(PersonRefused):
    def __init__(self, person: "Person") -> None:
        super().__init__(f"person {person.id} is {person.status.value}")


class RoleNotForNetworkStaff(PersonRefused):
    def __init__(self, person: "Person", role: Role) -> None:
        super().__init__(f"person {person.id} belongs to no organisation, so cannot be {role.value}")


class AlreadyHoldsRole(PersonRefused):
    def __init__(self, person_id: str, role: Role) -> None:
        super().__init__(f"person {person_id} already holds the {role.value} role")


class DoesNotHoldRole(PersonRefused):
    def __init__(self, person_id: str, role: Role) -> None:
        super().__init__(f"person {person_id} does not hold the {role.value} role")


class InvitationClosed(Exception):
    def __init__(self, invitation: "Invitation") -> None:
        super().__init__(f"invitation {invitation.id} is {invitation.status.value}")


class InvitationExpired(Exception):
    def __init__(self, invitation: "Invitation") -> None:
        super().__init__(f"invitation {invitation.id} expired at {invitation.expires_at.isoformat()}")


@dataclass(frozen=True)
class Person:
    id: str
    organisation_id: UUID | None
    name: str
    email: str | None
    language: str
    function_title: str | None
    visibility: Visibility
    status: PersonStatus
    registered_at: datetime
    left_at: datetime | None = None
    erased_at: datetime | None = None


@dataclass(frozen=True)
class RoleGrant:
    person_id: str
    role: Role
    organisation_id: UUID | None
    granted_at: datetime
    granted_by: str | None


@dataclass(frozen=True)
class Invitation:
    id: UUID
    organisation_id: UUID
    email: str
    name: str
    role: Role
    code_hash: str
    invited_by: str
    created_at: datetime
    expires_at: datetime
    status: InvitationStatus
    accepted_by: str | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Registered:
    person: Person
    grants: tuple[RoleGrant, ...]


@dataclass(frozen=True)
class ProfileChanged:
    person: Person


@dataclass(frozen=True)
class RoleGranted:
    grant: RoleGrant


@dataclass(frozen=True)
class RoleRevoked:
    grant: RoleGrant
    reason: RoleEndReason
    at: datetime


@dataclass(frozen=True)
class Left:
    person: Person


@dataclass(frozen=True)
class Erased:
    person: Person


Change = Registered | ProfileChanged | RoleGranted | RoleRevoked | Left | Erased


def register(
    person_id: str,
    organisation_id: UUID | None,
    *,
    name: str,
    email: str | None,
    language: str,
    roles: tuple[Role, ...],
    granted_by: str | None,
    now: datetime,
) -> Registered:
    person = Person(
        id=person_id,
        organisation_id=organisation_id,
        name=" ".join(name.split()),
        email=email,
        language=language,
        function_title=None,
        visibility=Visibility.NETWORK,
        status=PersonStatus.ACTIVE,
        registered_at=now,
    )
    grants = tuple(_grant(person, role, granted_by, now) for role in dict.fromkeys(roles))
    return Registered(person, grants)


def _grant(person: Person, role: Role, granted_by: str | None, now: datetime) -> RoleGrant:
    if person.status is not PersonStatus.ACTIVE:
        raise NotActive(person)
    if role in ORGANISATION_ROLES and person.organisation_id is None:
        raise RoleNotForNetworkStaff(person, role)
    scope = None if role is Role.NETWORK_ADMIN else person.organisation_id
    return RoleGrant(person.id, role, scope, now, granted_by)


def grant(person: Person, held: frozenset[Role], role: Role, granted_by: str, now: datetime) -> RoleGranted:
    if role in held:
        raise AlreadyHoldsRole(person.id, role)
    return RoleGranted(_grant(person, role, granted_by, now))


def revoke(grants: tuple[RoleGrant, ...], role: Role, reason: RoleEndReason, now: datetime) -> RoleRevoked:
    for held in grants:
        if held.role is role:
            return RoleRevoked(held, reason, now)
    raise DoesNotHoldRole(grants[0].person_id if grants else "?", role)


def change_profile(
    person: Person, *, name: str, language: str, function_title: str | None, visibility: Visibility
) -> ProfileChanged | None:
    if person.status is not PersonStatus.ACTIVE:
        raise NotActive(person)
    after = replace(
        person, name=" ".join(name.split()), language=language, function_title=function_title, visibility=visibility
    )
    return None if after == person else ProfileChanged(after)


def leave(person: Person, now: datetime) -> Left:
    if person.status is not PersonStatus.ACTIVE:
        raise NotActive(person)
    return Left(replace(person, status=PersonStatus.LEFT, left_at=now))


def erase(person: Person, now: datetime) -> Erased:
    """Personal data goes; the id stays as a key that means nothing on its own. Erasing twice is refused."""
    if person.status is PersonStatus.ERASED:
        raise NotActive(person)
    return Erased(
        replace(
            person,
            name=ERASED_NAME,
            email=None,
            function_title=None,
            visibility=Visibility.HIDDEN,
            status=PersonStatus.ERASED,
            left_at=person.left_at or now,
            erased_at=now,
        )
    )


def invite(
    id: UUID,
    organisation_id: UUID,
    *,
    email: str,
    name: str,
    role: Role,
    code_hash: str,
    invited_by: str,
    now: datetime,
) -> Invitation:
    return Invitation(
        id=id,
        organisation_id=organisation_id,
        email=email,
        name=" ".join(name.split()),
        role=role,
        code_hash=code_hash,
        invited_by=invited_by,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
        status=InvitationStatus.PENDING,
    )


def accept(invitation: Invitation, person_id: str, now: datetime) -> Invitation:
    if invitation.status is not InvitationStatus.PENDING:
        raise InvitationClosed(invitation)
    if now >= invitation.expires_at:
        raise InvitationExpired(invitation)
    return replace(invitation, status=InvitationStatus.ACCEPTED, accepted_by=person_id, closed_at=now)


def withdraw(invitation: Invitation, now: datetime) -> Invitation:
    if invitation.status is not InvitationStatus.PENDING:
        raise InvitationClosed(invitation)
    return replace(invitation, status=InvitationStatus.WITHDRAWN, closed_at=now)
