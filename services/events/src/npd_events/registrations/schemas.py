"""HTTP models of the registrations API (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Path, Query
from npd_runtime.validation import Text, described
from pydantic import BaseModel, ConfigDict, Field

from npd_events.registrations.domain import EndReason, Registration, RegistrationStatus

Status = Annotated[
    RegistrationStatus,
    described(
        "confirmed: has a place; waitlisted: waits in line; offered: a freed place is held for them until "
        "offer_expires_at; cancelled: ended (see end_reason)."
    ),
]
Reason = Annotated[
    EndReason,
    described(
        "Why a registration ended: cancelled (by the person or an organiser), meeting_cancelled, left_group, "
        "person_left, erased, offer_expired, offer_declined."
    ),
]
PersonId = Annotated[
    Text, Path(min_length=1, max_length=255, description="The person: their identity provider's subject.")
]
StatusFilter = Annotated[Status | None, Query(description="Only registrations with this status")]


class RegistrationPublic(BaseModel):
    meeting_id: UUID
    person_id: str
    status: Status
    queue_position: int = Field(description="Order of arrival at this meeting; the waitlist is served in it.")
    offer_expires_at: datetime | None
    attended: bool | None = Field(description="Recorded by the organisers after the meeting; null until then.")
    registered_at: datetime
    confirmed_at: datetime | None
    ended_at: datetime | None
    end_reason: Reason | None

    @classmethod
    def of(cls, r: Registration) -> "RegistrationPublic":
        return cls.model_validate(r, from_attributes=True)


class AttendanceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Annotated[Text, Field(min_length=1, max_length=255)]
    attended: bool


class AttendanceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attendance: list[AttendanceEntry] = Field(min_length=1, max_length=1000)
