"""Staff mobility, free of I/O and of the event contracts.

A member organisation publishes an opportunity (a secondment, a traineeship, a job swap, a vacancy, a
shadowing day) until it expires; people across the network express interest, with an optional note; the
offering organisation (its admins, or the opportunity's named contact) sees who is interested and invites
or declines them. An opportunity that is closed or past its expiry takes no more interest. Whose interest it
is stays between the person and the offering organisation: their own organisation sees it only when they
choose to share it.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

MAX_OPEN = timedelta(days=366)


class OpportunityKind(StrEnum):
    SECONDMENT = "secondment"
    TRAINEESHIP = "traineeship"
    JOB_SWAP = "job_swap"
    VACANCY = "vacancy"
    SHADOWING_DAY = "shadowing_day"


class OpportunityStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CloseReason(StrEnum):
    CLOSED = "closed"
    EXPIRED = "expired"


class InterestStatus(StrEnum):
    INTERESTED = "interested"
    INVITED = "invited"
    DECLINED = "declined"


class Answer(StrEnum):
    INVITE = "invite"
    DECLINE = "decline"


@dataclass(frozen=True)
class Opportunity:
    id: UUID
    organisation_id: UUID
    kind: OpportunityKind
    title: str
    description: str
    location: str
    contact_person_id: str | None
    status: OpportunityStatus
    expires_at: datetime
    published_at: datetime
    created_by: str | None
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None

    def is_open(self, now: datetime) -> bool:
        return self.status is OpportunityStatus.OPEN and now < self.expires_at


@dataclass(frozen=True)
class Interest:
    id: UUID
    opportunity_id: UUID
    person_id: str
    note: str
    share_with_own_organisation: bool
    status: InterestStatus
    expressed_at: datetime
    answered_at: datetime | None = None
    answer_message: str = ""


@dataclass(frozen=True)
class Listing:
    """What an organisation offers, as its admin describes it."""

    kind: OpportunityKind
    title: str
    description: str
    location: str
    contact_person_id: str | None
    expires_at: datetime


class OpportunityRefused(Exception):
    """The opportunity's state does not allow this."""


class NotOpen(OpportunityRefused):
    def __init__(self, opportunity: Opportunity) -> None:
        super().__init__(f"opportunity {opportunity.id} is closed or expired and takes no more interest")


class AlreadyClosed(OpportunityRefused):
    def __init__(self, opportunity: Opportunity) -> None:
        super().__init__(f"opportunity {opportunity.id} is already closed")


class AlreadyInterested(OpportunityRefused):
    def __init__(self, interest: Interest) -> None:
        super().__init__(f"you already expressed interest in opportunity {interest.opportunity_id}")


class BadExpiry(ValueError):
    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"the expiry {expires_at.isoformat()} must be in the future and within a year")


@dataclass(frozen=True)
class Published:
    opportunity: Opportunity


@dataclass(frozen=True)
class Closed:
    opportunity: Opportunity


@dataclass(frozen=True)
class Expressed:
    opportunity: Opportunity
    interest: Interest


@dataclass(frozen=True)
class Answered:
    interest: Interest


def publish(id: UUID, organisation_id: UUID, listing: Listing, by: str, now: datetime) -> Published:
    if not now < listing.expires_at <= now + MAX_OPEN:
        raise BadExpiry(listing.expires_at)
    return Published(
        Opportunity(
            id=id,
            organisation_id=organisation_id,
            kind=listing.kind,
            title=" ".join(listing.title.split()),
            description=listing.description.strip(),
            location=listing.location.strip(),
            contact_person_id=listing.contact_person_id,
            status=OpportunityStatus.OPEN,
            expires_at=listing.expires_at,
            published_at=now,
            created_by=by,
        )
    )


def close(opportunity: Opportunity, reason: CloseReason, now: datetime) -> Closed:
    if opportunity.status is OpportunityStatus.CLOSED:
        raise AlreadyClosed(opportunity)
    at = min(now, opportunity.expires_at) if reason is CloseReason.EXPIRED else now
    return Closed(replace(opportunity, status=OpportunityStatus.CLOSED, closed_at=at, close_reason=reason))


def express(
    opportunity: Opportunity, existing: Interest | None, id: UUID, person_id: str, note: str, share: bool, now: datetime
) -> Expressed:
    if not opportunity.is_open(now):
        raise NotOpen(opportunity)
    if existing is not None:
        raise AlreadyInterested(existing)
    interest = Interest(id, opportunity.id, person_id, note.strip(), share, InterestStatus.INTERESTED, now)
    return Expressed(opportunity, interest)


def answer(interest: Interest, choice: Answer, message: str, now: datetime) -> Answered:
    """The offering organisation invites or declines; it may change its mind (the last answer counts)."""
    status = InterestStatus.INVITED if choice is Answer.INVITE else InterestStatus.DECLINED
    return Answered(replace(interest, status=status, answered_at=now, answer_message=message.strip()))
