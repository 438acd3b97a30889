"""HTTP models of the mobility API (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from npd_runtime.validation import Text, described
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from npd_membership.mobility.domain import (
    Answer,
    CloseReason,
    InterestStatus,
    Listing,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
)
from npd_membership.mobility.queries import Interested

Kind = Annotated[
    OpportunityKind,
    described("What is offered: a secondment, a traineeship, a job swap, a vacancy, or a shadowing day."),
]
Status = Annotated[OpportunityStatus, described("Open (takes interest until it expires), or closed.")]
Reason = Annotated[CloseReason, described("Why it closed: closed by the offering organisation, or expired.")]
Standing = Annotated[
    InterestStatus,
    described("Interested (no answer yet), invited (the offering organisation wants to talk), or declined."),
]
Choice = Annotated[Answer, described("The offering organisation's answer: invite the person, or decline.")]
Prose = Annotated[str, Field(pattern="^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
KindFilter = Annotated[Kind | None, Query(description="Only opportunities of this kind")]


class OpportunityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: UUID = Field(description="The offering organisation (a member; the caller administers it).")
    kind: Kind
    title: Text = Field(min_length=2, max_length=200, examples=["Detachering data-analist (6 maanden)"])
    description: Prose = Field(default="", max_length=10_000, description="What it involves; line breaks allowed.")
    location: Text = Field(default="", max_length=200)
    contact_person_id: Text | None = Field(
        default=None, min_length=1, max_length=255, description="Who answers: an active person of the organisation."
    )
    expires_at: AwareDatetime = Field(description="Interest is taken until then (within a year).")

    def listing(self) -> Listing:
        return Listing(self.kind, self.title, self.description, self.location, self.contact_person_id, self.expires_at)


class InterestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Prose = Field(default="", max_length=4000, description="For the offering organisation only.")
    share_with_own_organisation: bool = Field(
        default=False, description="Let your own organisation's admins see this interest (off by default)."
    )


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Choice
    message: Prose = Field(default="", max_length=4000, description="For the interested person.")


class OpportunityPublic(BaseModel):
    id: UUID
    organisation_id: UUID
    kind: Kind
    title: str
    description: str
    location: str
    contact_person_id: str | None
    status: Status = Field(description="Closed also once the expiry has passed, whether or not the sweep ran.")
    expires_at: datetime
    published_at: datetime
    closed_at: datetime | None
    close_reason: Reason | None

    @classmethod
    def of(cls, o: Opportunity, now: datetime) -> "OpportunityPublic":
        view = cls.model_validate(o, from_attributes=True)
        if o.status is OpportunityStatus.OPEN and not o.is_open(now):
            view = view.model_copy(
                update={
                    "status": OpportunityStatus.CLOSED,
                    "closed_at": o.expires_at,
                    "close_reason": CloseReason.EXPIRED,
                }
            )
        return view


class InterestPublic(BaseModel):
    id: UUID
    opportunity_id: UUID
    opportunity_title: str
    person_id: str
    name: str
    organisation_id: UUID | None
    organisation_name: str | None
    note: str
    share_with_own_organisation: bool
    status: Standing
    expressed_at: datetime
    answered_at: datetime | None
    answer_message: str

    @classmethod
    def of(cls, v: Interested) -> "InterestPublic":
        i = v.interest
        return cls(
            id=i.id,
            opportunity_id=i.opportunity_id,
            opportunity_title=v.opportunity_title,
            person_id=i.person_id,
            name=v.name,
            organisation_id=v.organisation_id,
            organisation_name=v.organisation_name,
            note=i.note,
            share_with_own_organisation=i.share_with_own_organisation,
            status=i.status,
            expressed_at=i.expressed_at,
            answered_at=i.answered_at,
            answer_message=i.answer_message,
        )
