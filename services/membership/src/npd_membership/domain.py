"""Membership rules, free of I/O and of the event contracts: an organisation applies, is admitted, may leave.

Each rule returns the change it made (a past-tense fact holding the new state); the service layer stores
it and says which contract events announce it.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Status(StrEnum):
    APPLIED = "applied"
    MEMBER = "member"
    LEFT = "left"


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    EXECUTIVE_AGENCY = "executive_agency"
    PROVINCE = "province"
    WATER_BOARD = "water_board"
    INDEPENDENT_BODY = "independent_body"
    OTHER = "other"


class LeaveReason(StrEnum):
    WITHDREW = "withdrew"
    REMOVED = "removed"


class TransitionRefused(Exception):
    """The organisation's current status does not allow this change."""


class NotAnApplication(TransitionRefused):
    def __init__(self, org: "Organisation") -> None:
        super().__init__(f"organisation {org.id} is {org.status.value}; only an application can be admitted")


class NotAMember(TransitionRefused):
    def __init__(self, org: "Organisation") -> None:
        super().__init__(f"organisation {org.id} is {org.status.value}, not a member")


@dataclass(frozen=True)
class Organisation:
    id: UUID
    name: str
    kind: OrganisationKind
    status: Status
    contact_person_id: str
    contact_email: str
    applied_at: datetime
    joined_at: datetime | None = None
    left_at: datetime | None = None


@dataclass(frozen=True)
class Applied:
    organisation: Organisation


@dataclass(frozen=True)
class Admitted:
    organisation: Organisation


@dataclass(frozen=True)
class Departed:
    organisation: Organisation
    reason: LeaveReason


Change = Applied | Admitted | Departed


def apply(
    id: UUID, name: str, kind: OrganisationKind, contact_person_id: str, contact_email: str, now: datetime
) -> Applied:
    return Applied(
        Organisation(
            id=id,
            name=name.strip(),
            kind=kind,
            status=Status.APPLIED,
            contact_person_id=contact_person_id,
            contact_email=contact_email,
            applied_at=now,
        )
    )


def admit(org: Organisation, now: datetime) -> Admitted:
    if org.status is not Status.APPLIED:
        raise NotAnApplication(org)
    return Admitted(replace(org, status=Status.MEMBER, joined_at=now))


def leave(org: Organisation, reason: LeaveReason, now: datetime) -> Departed:
    if org.status is not Status.MEMBER:
        raise NotAMember(org)
    return Departed(replace(org, status=Status.LEFT, left_at=now), reason)
