"""Membership rules, free of I/O: an organisation applies, is admitted, and may leave."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from npd_contracts import LeaveReason, MemberJoined, MemberLeft, OrganisationApplied, OrganisationKind


class Status(StrEnum):
    APPLIED = "applied"
    MEMBER = "member"
    LEFT = "left"


class TransitionRefused(Exception):
    """The organisation's current status does not allow this change."""

    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.slug = slug
        self.detail = detail


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


def apply(
    id: UUID, name: str, kind: OrganisationKind, contact_person_id: str, contact_email: str, now: datetime
) -> tuple[Organisation, OrganisationApplied]:
    org = Organisation(
        id=id,
        name=name.strip(),
        kind=kind,
        status=Status.APPLIED,
        contact_person_id=contact_person_id,
        contact_email=contact_email,
        applied_at=now,
    )
    event = OrganisationApplied(
        organisation_id=id, name=org.name, kind=kind, applicant_person_id=contact_person_id, applied_at=now
    )
    return org, event


def admit(org: Organisation, now: datetime) -> tuple[Organisation, MemberJoined]:
    if org.status is not Status.APPLIED:
        raise TransitionRefused(
            "not-an-application", f"organisation {org.id} is {org.status.value}; only an application can be admitted"
        )
    admitted = replace(org, status=Status.MEMBER, joined_at=now)
    event = MemberJoined(
        organisation_id=org.id, name=org.name, kind=org.kind, contact_person_id=org.contact_person_id, joined_at=now
    )
    return admitted, event


def leave(org: Organisation, reason: LeaveReason, now: datetime) -> tuple[Organisation, MemberLeft]:
    if org.status is not Status.MEMBER:
        raise TransitionRefused("not-a-member", f"organisation {org.id} is {org.status.value}, not a member")
    return replace(org, status=Status.LEFT, left_at=now), MemberLeft(organisation_id=org.id, reason=reason, left_at=now)
