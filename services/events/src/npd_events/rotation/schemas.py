"""HTTP models of the guest-chair rotation API."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from npd_runtime.validation import described
from pydantic import BaseModel

from npd_events.rotation.domain import ChairStatus, GuestChair

Status = Annotated[
    ChairStatus,
    described(
        "assigned: asked to chair; declined: said no (the next one was asked); left: the organisation left the "
        "network; cancelled: the meeting was cancelled."
    ),
]


class GuestChairPublic(BaseModel):
    series_id: UUID
    meeting_id: UUID
    organisation_id: UUID
    round: int
    status: Status
    assigned_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, c: GuestChair) -> "GuestChairPublic":
        return cls.model_validate(c, from_attributes=True)
