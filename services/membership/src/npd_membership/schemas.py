"""HTTP models of the membership API (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from npd_runtime.validation import Text, described
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from npd_membership.domain import LeaveReason, Organisation, OrganisationKind, Status

# The enums come from the contracts and the domain; what they mean to an API client is said here, on the
# named schema every use refers to (the `status` filter of GET /v1/organisations included).
Kind = Annotated[
    OrganisationKind,
    described(
        "What sort of public body the organisation is: a municipality, an executive agency, a province, "
        "a water board, an independent administrative body, or other."
    ),
]
Reason = Annotated[
    LeaveReason,
    described("Why a membership ended: the organisation withdrew itself, or a network admin removed it."),
]
MembershipStatus = Annotated[
    Status,
    described(
        "Where the organisation stands: applied (waiting for a network admin to admit it), member, "
        "or left (withdrew or was removed)."
    ),
]
StatusFilter = Annotated[MembershipStatus | None, Query(description="Only organisations with this status")]


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(min_length=2, max_length=200, examples=["Gemeente Utrecht"])
    kind: Kind
    contact_email: EmailStr = Field(
        description="Where the network reaches the applicant; never published in events. "
        "Must be deliverable: special-use domains such as .test or .example are refused."
    )


class DepartureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = LeaveReason.WITHDREW


class OrganisationPublic(BaseModel):
    id: UUID
    name: str
    kind: Kind
    status: MembershipStatus
    contact_person_id: str
    contact_email: str
    applied_at: datetime
    joined_at: datetime | None
    left_at: datetime | None

    @classmethod
    def of(cls, org: Organisation) -> "OrganisationPublic":
        return cls.model_validate(org, from_attributes=True)
