"""Calendar feeds, free of I/O: the per-person feed token and a meeting as a calendar shows it.

Calendar clients cannot send bearer tokens, so a person's feed is reached by an unguessable token in its URL.
Only the token's SHA-256 is kept (a leaked database does not leak feeds); a person has at most one live
token; making a new one revokes the old, and a revoked token answers 410 Gone (the client should stop
asking), an unknown one 404.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from npd_events.calendars.ical import CalendarEvent
from npd_events.meetings.domain import Meeting, MeetingStatus, Venue


@dataclass(frozen=True)
class FeedToken:
    token_hash: str
    person_id: str | None  # None once the person was erased
    created_at: datetime
    revoked_at: datetime | None


class FeedUnknown(LookupError):
    def __init__(self) -> None:
        super().__init__("no calendar feed has this address")


class FeedRevoked(Exception):
    def __init__(self, token: FeedToken) -> None:
        when = f" at {token.revoked_at.isoformat()}" if token.revoked_at else ""
        super().__init__(f"this calendar feed address was revoked{when}: ask for a new one")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def usable(token: FeedToken | None) -> FeedToken:
    if token is None:
        raise FeedUnknown()
    if token.revoked_at is not None or token.person_id is None:
        raise FeedRevoked(token)
    return token


def location(venue: Venue | None, online: bool) -> str | None:
    place = f"{venue.name}, {venue.address}, {venue.postal_code} {venue.city}" if venue else None
    if place and online:
        return f"{place} (ook online)"
    return place or ("Online" if online else None)


def event_of(meeting: Meeting, venue: Venue | None, url: str | None, changed_at: datetime) -> CalendarEvent:
    return CalendarEvent(
        meeting_id=meeting.id,
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        time_zone=meeting.time_zone,
        sequence=meeting.sequence,
        cancelled=meeting.status is MeetingStatus.CANCELLED,
        changed_at=changed_at,
        description=meeting.description,
        location=location(venue, meeting.online),
        url=url,
    )
