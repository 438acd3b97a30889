"""HTTP models of the membership API (never the event contracts)."""

from datetime import datetime
from uuid import UUID

from npd_runtime import Text
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from npd_membership.domain import LeaveReason, Organisation, OrganisationKind, Status


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(min_length=2, max_length=200, examples=["Gemeente Utrecht"])
    kind: OrganisationKind
    contact_email: EmailStr = Field(
        description="Where the network reaches the applicant; never published in events. "
        "Must be deliverable: special-use domains such as .test or .example are refused."
    )


class DepartureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: LeaveReason = LeaveReason.WITHDREW


class OrganisationPublic(BaseModel):
    id: UUID
    name: str
    kind: OrganisationKind
    status: Status
    contact_person_id: str
    contact_email: str
    applied_at: datetime
    joined_at: datetime | None
    left_at: datetime | None

    @classmethod
    def of(cls, org: Organisation) -> "OrganisationPublic":
        return cls.model_validate(org, from_attributes=True)
