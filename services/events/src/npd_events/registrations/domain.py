"""Registrations for one meeting: places, the waitlist and offers, free of I/O and of the event contracts."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # a freed place is held for them until offer_expires_at
    CANCELLED = "cancelled"


class EndReason(StrEnum):
    CANCELLED = "cancelled"
    MEETING_CANCELLED = "meeting_cancelled"
    LEFT_GROUP = "left_group"
    PERSON_LEFT = "person_left"
    ERASED = "erased"
    OFFER_EXPIRED = "offer_expired"
    OFFER_DECLINED = "offer_declined"


ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED)


@dataclass(frozen=True)
class Registration:
    id: UUID
    meeting_id: UUID
    person_id: str
    status: RegistrationStatus
    queue_position: int  # order of arrival at this meeting: the waitlist is served in this order
    offer_expires_at: datetime | None
    attended: bool | None
    registered_at: datetime
    confirmed_at: datetime | None
    ended_at: datetime | None
    end_reason: EndReason | None
