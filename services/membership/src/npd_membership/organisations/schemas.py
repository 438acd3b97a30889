"""HTTP models of the organisations API (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from npd_runtime.validation import Text, described
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from npd_membership.organisations.domain import (
    LeaveReason,
    Organisation,
    OrganisationKind,
    PolicyDomain,
    Profile,
    SizeClass,
    Status,
    StatusEntry,
)
from npd_membership.organisations.service import Year

# What the enums mean to an API client is said here, on the named schema every use refers to.
Kind = Annotated[
    OrganisationKind,
    described(
        "What sort of public body the organisation is: a municipality, an executive agency, a province, "
        "a water board, an independent administrative body, or other."
    ),
]
Domain = Annotated[
    PolicyDomain,
    described("A policy area the organisation works in (justice, education, health, social security, taxes, ...)."),
]
Size = Annotated[SizeClass, described("The organisation's size by number of employees.")]
Reason = Annotated[
    LeaveReason,
    described("Why a membership ended: the organisation withdrew itself, or a network admin removed it."),
]
MembershipStatus = Annotated[
    Status,
    described(
        "Where the organisation stands: applied (waiting for a network admin), rejected, member, "
        "suspended (a member that takes no part until reinstated), or left (withdrew or was removed)."
    ),
]
StatusFilter = Annotated[MembershipStatus | None, Query(description="Only organisations with this status")]
KindFilter = Annotated[Kind | None, Query(description="Only organisations of this kind")]
# Aliased: routes name the parameter `domain_`, since `domain` is a module there.
DomainFilter = Annotated[
    Domain | None, Query(alias="domain", description="Only organisations working in this policy domain")
]
SizeFilter = Annotated[Size | None, Query(description="Only organisations of this size class")]
NameFilter = Annotated[
    str | None, Query(min_length=1, max_length=100, description="Only organisations whose name contains this")
]


class ProfileBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(min_length=2, max_length=200, examples=["Gemeente Utrecht"])
    kind: Kind
    domains: list[Domain] = Field(default_factory=list, max_length=len(PolicyDomain))
    size_class: Size | None = None

    def profile(self) -> Profile:
        return Profile(self.name, self.kind, tuple(self.domains), self.size_class)


class OrganisationCreate(ProfileBody):
    contact_name: Text = Field(
        min_length=1, max_length=200, description="The applicant's name, as the network will know them."
    )
    contact_email: EmailStr = Field(
        description="Where the network reaches the applicant; never published in events. "
        "Must be deliverable: special-use domains such as .test or .example are refused."
    )


class DepartureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = LeaveReason.WITHDREW


class Decision(BaseModel):
    """A decision with a reason the organisation will read (a rejection, a suspension)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Text = Field(min_length=3, max_length=1000)


class OrganisationPublic(BaseModel):
    """An organisation as the caller may see it: contact details only for its admins and network admins."""

    id: UUID
    name: str
    kind: Kind
    domains: list[Domain]
    size_class: Size | None
    status: MembershipStatus
    applied_at: datetime
    status_changed_at: datetime
    joined_at: datetime | None
    left_at: datetime | None
    contact_person_id: str | None = Field(description="Shown to its admins, its contact and network admins.")
    contact_name: str | None = Field(description="Shown to its admins, its contact and network admins.")
    contact_email: str | None = Field(description="Shown to its admins, its contact and network admins.")

    @classmethod
    def of(cls, org: Organisation, *, with_contact: bool) -> "OrganisationPublic":
        return cls(
            id=org.id,
            name=org.name,
            kind=org.kind,
            domains=list(org.domains),
            size_class=org.size_class,
            status=org.status,
            applied_at=org.applied_at,
            status_changed_at=org.status_changed_at,
            joined_at=org.joined_at,
            left_at=org.left_at,
            contact_person_id=org.contact_person_id if with_contact else None,
            contact_name=org.contact_name if with_contact else None,
            contact_email=org.contact_email if with_contact else None,
        )


class StatusEntryPublic(BaseModel):
    status: MembershipStatus
    reason: str | None
    at: datetime
    by_person_id: str | None

    @classmethod
    def of(cls, entry: StatusEntry) -> "StatusEntryPublic":
        return cls.model_validate(entry, from_attributes=True)


class GrowthYear(BaseModel):
    year: int
    joined: int = Field(description="Organisations admitted that year (a reinstatement is not a join).")
    left: int
    members_at_end: int = Field(description="Members at the end of the year (suspended members included).")

    @classmethod
    def of(cls, year: Year) -> "GrowthYear":
        return cls.model_validate(year, from_attributes=True)


class Growth(BaseModel):
    years: list[GrowthYear]
