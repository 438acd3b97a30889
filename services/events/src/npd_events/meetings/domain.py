"""Meetings, series and venues, free of I/O and of the event contracts.

A meeting is one gathering with a start, an end and a time zone; a series is a recurrence rule (RFC 5545)
whose occurrences are materialised as meetings, each identified within its series by its recurrence id
(the occurrence's original local start), so that a changed or cancelled occurrence stays an exception when
the series is expanded again.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from npd_events.network.domain import OrganisationKind


class MeetingFormat(StrEnum):
    BOARD_MEETING = "board_meeting"
    NETWORK_MEETING = "network_meeting"
    WORKING_GROUP_SESSION = "working_group_session"
    EXPERT_COMMUNITY_SESSION = "expert_community_session"
    KNOWLEDGE_SESSION = "knowledge_session"
    DESIGN_THINKING_LAB = "design_thinking_lab"
    CONFERENCE = "conference"
    RESIDENTS_MEETING = "residents_meeting"


class Audience(StrEnum):
    GROUP = "group"
    BOARD = "board"
    NETWORK = "network"
    PUBLIC = "public"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Venue:
    id: UUID
    organisation_id: UUID
    name: str
    address: str
    postal_code: str
    city: str
    capacity: int | None
    online_url: str | None
    created_at: datetime
    archived_at: datetime | None


@dataclass(frozen=True)
class Series:
    """A recurring meeting: its rule, its first local start, and the template every occurrence starts from."""

    id: UUID
    rule: str
    dtstart: datetime  # local wall-clock time in time_zone, naive
    time_zone: str
    duration_minutes: int
    title: str
    description: str
    format: MeetingFormat
    audience: Audience
    host_group_id: UUID | None
    venue_id: UUID | None
    online: bool
    online_url: str | None
    capacity: int | None
    deadline_minutes: int | None  # registration closes this long before each occurrence starts
    offer_hours: int | None
    rotation_kinds: tuple[OrganisationKind, ...]  # empty: no guest-chair rotation
    chair_lead_days: int
    materialised_until: datetime | None  # local, naive: occurrences up to here are meetings
    ended_at: datetime | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Meeting:
    id: UUID
    series_id: UUID | None
    recurrence_id: datetime | None  # the occurrence's original local start, naive; None outside a series
    title: str
    description: str
    format: MeetingFormat
    audience: Audience
    host_group_id: UUID | None
    venue_id: UUID | None
    online: bool
    online_url: str | None
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    capacity: int | None
    registration_deadline: datetime | None
    offer_hours: int | None
    status: MeetingStatus
    detached: bool  # changed on its own: later changes to the series leave it alone
    sequence: int  # bumped on every change (iCalendar SEQUENCE)
    cancel_reason: str | None
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None
