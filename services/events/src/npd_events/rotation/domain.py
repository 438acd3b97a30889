"""Guest-chair rotation over a series, free of I/O and of the event contracts."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class ChairStatus(StrEnum):
    ASSIGNED = "assigned"
    DECLINED = "declined"
    LEFT = "left"  # the organisation left the network
    CANCELLED = "cancelled"  # the meeting was cancelled


@dataclass(frozen=True)
class GuestChair:
    id: UUID
    series_id: UUID
    meeting_id: UUID
    organisation_id: UUID
    round: int
    status: ChairStatus
    assigned_at: datetime
    ended_at: datetime | None
