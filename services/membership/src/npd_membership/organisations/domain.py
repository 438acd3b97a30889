"""Organisations of the network, free of I/O and of the event contracts.

An organisation applies; a network admin admits or rejects it; a member may be suspended and reinstated,
and leaves (withdraws, or is removed). Each rule returns the change it made (a past-tense fact holding the
new state); the service layer stores it, keeps the status history and says which events announce it.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Status(StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"
    MEMBER = "member"
    SUSPENDED = "suspended"
    LEFT = "left"


# Statuses that hold a name: a second organisation may not apply under it.
LIVE = frozenset({Status.APPLIED, Status.MEMBER, Status.SUSPENDED})
# Statuses in which the organisation belongs to the network (its people may hold roles).
IN_NETWORK = frozenset({Status.MEMBER, Status.SUSPENDED})


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    EXECUTIVE_AGENCY = "executive_agency"
    PROVINCE = "province"
    WATER_BOARD = "water_board"
    INDEPENDENT_BODY = "independent_body"
    OTHER = "other"


class PolicyDomain(StrEnum):
    JUSTICE = "justice"
    SECURITY = "security"
    ECONOMIC_AFFAIRS = "economic_affairs"
    EDUCATION = "education"
    HEALTH = "health"
    SOCIAL_SECURITY = "social_security"
    TAXES = "taxes"
    FINANCE = "finance"
    HOUSING = "housing"
    INFRASTRUCTURE = "infrastructure"
    ENVIRONMENT = "environment"
    AGRICULTURE = "agriculture"
    LABOUR_MARKET = "labour_market"
    CULTURE = "culture"
    DIGITAL_GOVERNMENT = "digital_government"
    INTERIOR = "interior"
    OTHER = "other"


class SizeClass(StrEnum):
    UNDER_250 = "under_250"
    FROM_250 = "250_to_999"
    FROM_1000 = "1000_to_4999"
    FROM_5000 = "5000_to_19999"
    FROM_20000 = "20000_or_more"


class LeaveReason(StrEnum):
    WITHDREW = "withdrew"
    REMOVED = "removed"


class TransitionRefused(Exception):
    """The organisation's current status does not allow this change."""

    def __init__(self, org: "Organisation", wanted: str) -> None:
        super().__init__(f"organisation {org.id} is {org.status.value}; {wanted}")


class NotAnApplication(TransitionRefused):
    def __init__(self, org: "Organisation") -> None:
        super().__init__(org, "only an open application can be admitted or rejected")


class NotAMember(TransitionRefused):
    def __init__(self, org: "Organisation") -> None:
        super().__init__(org, "only a member can be suspended, or leave")


class NotSuspended(TransitionRefused):
    def __init__(self, org: "Organisation") -> None:
        super().__init__(org, "only a suspended member can be reinstated")


class NoLongerInTheNetwork(TransitionRefused):
    def __init__(self, org: "Organisation") -> None:
        super().__init__(org, "its profile can no longer change")


@dataclass(frozen=True)
class Profile:
    """What an organisation says about itself."""

    name: str
    kind: OrganisationKind
    domains: tuple[PolicyDomain, ...]
    size_class: SizeClass | None


@dataclass(frozen=True)
class Organisation:
    id: UUID
    name: str
    kind: OrganisationKind
    domains: tuple[PolicyDomain, ...]
    size_class: SizeClass | None
    status: Status
    contact_person_id: str
    contact_name: str
    contact_email: str
    applied_at: datetime
    status_changed_at: datetime
    joined_at: datetime | None = None
    left_at: datetime | None = None

    @property
    def profile(self) -> Profile:
        return Profile(self.name, self.kind, self.domains, self.size_class)


@dataclass(frozen=True)
class Applied:
    organisation: Organisation


@dataclass(frozen=True)
class Rejected:
    organisation: Organisation
    reason: str


@dataclass(frozen=True)
class Admitted:
    organisation: Organisation


@dataclass(frozen=True)
class ProfileChanged:
    organisation: Organisation


@dataclass(frozen=True)
class Suspended:
    organisation: Organisation
    reason: str


@dataclass(frozen=True)
class Reinstated:
    organisation: Organisation


@dataclass(frozen=True)
class Departed:
    organisation: Organisation
    reason: LeaveReason


Change = Applied | Rejected | Admitted | ProfileChanged | Suspended | Reinstated | Departed
StatusChange = Applied | Rejected | Admitted | Suspended | Reinstated | Departed


def _normal(profile: Profile) -> Profile:
    # Order and duplicates of domains carry no meaning; one spelling of each profile makes "unchanged" exact.
    return replace(profile, name=" ".join(profile.name.split()), domains=tuple(sorted(set(profile.domains))))


def apply(
    id: UUID, profile: Profile, contact_person_id: str, contact_name: str, contact_email: str, now: datetime
) -> Applied:
    profile = _normal(profile)
    return Applied(
        Organisation(
            id=id,
            name=profile.name,
            kind=profile.kind,
            domains=profile.domains,
            size_class=profile.size_class,
            status=Status.APPLIED,
            contact_person_id=contact_person_id,
            contact_name=contact_name.strip(),
            contact_email=contact_email,
            applied_at=now,
            status_changed_at=now,
        )
    )


def reject(org: Organisation, reason: str, now: datetime) -> Rejected:
    if org.status is not Status.APPLIED:
        raise NotAnApplication(org)
    return Rejected(replace(org, status=Status.REJECTED, status_changed_at=now), reason.strip())


def admit(org: Organisation, now: datetime) -> Admitted:
    if org.status is not Status.APPLIED:
        raise NotAnApplication(org)
    return Admitted(replace(org, status=Status.MEMBER, joined_at=now, status_changed_at=now))


def change_profile(org: Organisation, profile: Profile) -> ProfileChanged | None:
    """The new profile, or None when nothing changes (so a repeated PUT publishes nothing)."""
    if org.status not in LIVE:
        raise NoLongerInTheNetwork(org)
    profile = _normal(profile)
    if profile == org.profile:
        return None
    return ProfileChanged(
        replace(org, name=profile.name, kind=profile.kind, domains=profile.domains, size_class=profile.size_class)
    )


def suspend(org: Organisation, reason: str, now: datetime) -> Suspended:
    if org.status is not Status.MEMBER:
        raise NotAMember(org)
    return Suspended(replace(org, status=Status.SUSPENDED, status_changed_at=now), reason.strip())


def reinstate(org: Organisation, now: datetime) -> Reinstated:
    if org.status is not Status.SUSPENDED:
        raise NotSuspended(org)
    return Reinstated(replace(org, status=Status.MEMBER, status_changed_at=now))


def leave(org: Organisation, reason: LeaveReason, now: datetime) -> Departed:
    if org.status not in IN_NETWORK:
        raise NotAMember(org)
    return Departed(replace(org, status=Status.LEFT, left_at=now, status_changed_at=now), reason)


def reason_of(change: StatusChange) -> str | None:
    """What the status history keeps as the reason of a change."""
    match change:
        case Rejected(reason=reason) | Suspended(reason=reason):
            return reason
        case Departed(reason=reason):
            return reason.value
        case _:
            return None


@dataclass(frozen=True)
class StatusEntry:
    """One line of an organisation's status history."""

    organisation_id: UUID
    status: Status
    reason: str | None
    at: datetime
    by_person_id: str | None


def history_entry(change: StatusChange, by_person_id: str | None) -> StatusEntry:
    org = change.organisation
    return StatusEntry(org.id, org.status, reason_of(change), org.status_changed_at, by_person_id)
