"""Registrations for one meeting: places, the waitlist and offers, free of I/O and of the event contracts."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
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


class AlreadyRegistered(Exception):
    def __init__(self, meeting_id: UUID, status: RegistrationStatus) -> None:
        super().__init__(f"you are already registered for meeting {meeting_id} ({status.value})")


class RegistrationClosed(Exception):
    def __init__(self, meeting_id: UUID, why: str) -> None:
        super().__init__(f"registration for meeting {meeting_id} is closed: {why}")


class NoOffer(Exception):
    def __init__(self, meeting_id: UUID, person_id: str) -> None:
        super().__init__(f"{person_id!r} has no open offer of a place at meeting {meeting_id}")


class NotStartedYet(Exception):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} has not started yet: attendance is recorded afterwards")


class NotConfirmed(Exception):
    def __init__(self, meeting_id: UUID, person_id: str) -> None:
        super().__init__(f"{person_id!r} had no place at meeting {meeting_id}, so their attendance is not recorded")


def registration_closed(
    meeting_id: UUID, starts_at: datetime, deadline: datetime | None, cancelled: bool, now: datetime
) -> RegistrationClosed | None:
    """Why nobody can register now, if so."""
    if cancelled:
        return RegistrationClosed(meeting_id, "the meeting is cancelled")
    if starts_at <= now:
        return RegistrationClosed(meeting_id, "the meeting has started")
    if deadline is not None and deadline <= now:
        return RegistrationClosed(meeting_id, f"the deadline was {deadline.isoformat()}")
    return None


def arrive(
    registration_id: UUID, meeting_id: UUID, person_id: str, position: int, has_place: bool, now: datetime
) -> Registration:
    """A new registration: a place if one is free, else the end of the waitlist."""
    return Registration(
        id=registration_id,
        meeting_id=meeting_id,
        person_id=person_id,
        status=RegistrationStatus.CONFIRMED if has_place else RegistrationStatus.WAITLISTED,
        queue_position=position,
        offer_expires_at=None,
        attended=None,
        registered_at=now,
        confirmed_at=now if has_place else None,
        ended_at=None,
        end_reason=None,
    )


def holds_place(r: Registration) -> bool:
    return r.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


def end(r: Registration, reason: EndReason, now: datetime) -> Registration:
    return replace(r, status=RegistrationStatus.CANCELLED, ended_at=now, end_reason=reason, offer_expires_at=None)


def promote(r: Registration, now: datetime) -> Registration:
    return replace(r, status=RegistrationStatus.CONFIRMED, confirmed_at=now, offer_expires_at=None)


def offer(r: Registration, offer_hours: int, starts_at: datetime, now: datetime) -> Registration:
    """A freed place held for the first on the waitlist, until the offer expires (at the latest at the start)."""
    return replace(
        r, status=RegistrationStatus.OFFERED, offer_expires_at=min(now + timedelta(hours=offer_hours), starts_at)
    )


def accept(r: Registration, now: datetime) -> Registration:
    if r.status is not RegistrationStatus.OFFERED or r.offer_expires_at is None or r.offer_expires_at <= now:
        raise NoOffer(r.meeting_id, r.person_id)
    return promote(r, now)
