"""Meeting events published by the events service.

`npd.events.meeting` is keyed by meeting id, so everything about one meeting (its schedule, guest chair,
registrations, waitlist, attendance, report) stays in order for a consumer. `npd.events.call-for-papers`
is keyed by call id: a conference's call, its proposals, decisions and programme. People appear by id only.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from npd_contracts.base import EventData
from npd_contracts.topics import EVENTS_CALL_FOR_PAPERS, EVENTS_MEETING, Topic


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
    """Who may register: the host group's members, the board, everyone in the network, or anyone."""

    GROUP = "group"
    BOARD = "board"
    NETWORK = "network"
    PUBLIC = "public"


class RegistrationEndReason(StrEnum):
    """Why a registration (or a place on the waitlist) ended."""

    CANCELLED = "cancelled"
    MEETING_CANCELLED = "meeting_cancelled"
    LEFT_GROUP = "left_group"
    PERSON_LEFT = "person_left"
    ERASED = "erased"
    OFFER_EXPIRED = "offer_expired"
    OFFER_DECLINED = "offer_declined"


class ChairEndReason(StrEnum):
    """Why an organisation no longer chairs an occurrence."""

    DECLINED = "declined"
    ORGANISATION_LEFT = "organisation_left"
    MEETING_CANCELLED = "meeting_cancelled"


class ReportVisibility(StrEnum):
    NETWORK = "network"
    PUBLIC = "public"


class PaperDecision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class MeetingAspect(StrEnum):
    """What a MeetingChanged changed, so a consumer can tell a new venue from a new capacity."""

    TITLE = "title"
    AUDIENCE = "audience"
    VENUE = "venue"
    ONLINE = "online"
    CAPACITY = "capacity"
    REGISTRATION_DEADLINE = "registration_deadline"
    OTHER = "other"  # description, format, host group, organisers: nothing this event carries


class _MeetingEvent(EventData):
    TOPIC: ClassVar[Topic] = EVENTS_MEETING
    SUBJECT_FIELD: ClassVar[str] = "meeting_id"

    meeting_id: UUID = Field(description="The meeting (one occurrence, for a series); the Kafka key.")


class MeetingScheduled(_MeetingEvent):
    """A meeting was scheduled: on its own, or as an occurrence of a series."""

    TYPE: ClassVar[str] = "nl.npd.events.meeting-scheduled.v1"

    series_id: UUID | None = Field(description="The series it is an occurrence of, if any.")
    title: str = Field(max_length=200)
    format: MeetingFormat
    audience: Audience
    host_group_id: UUID | None = Field(description="The group that holds it; none for network-wide meetings.")
    venue_id: UUID | None = Field(description="The venue (a member organisation's location); none if online only.")
    venue_organisation_id: UUID | None = Field(description="The member organisation whose location hosts it.")
    online: bool = Field(description="Whether it can be joined online (alone or besides a venue).")
    starts_at: datetime = Field(description="Start, as an instant (UTC offset included).")
    ends_at: datetime
    time_zone: str = Field(max_length=64, description="IANA time zone its local times are in.")
    capacity: int | None = Field(description="Places; none means unlimited.")
    registration_deadline: datetime | None
    scheduled_at: datetime


class MeetingRescheduled(_MeetingEvent):
    """A meeting moved in time; registrations stay."""

    TYPE: ClassVar[str] = "nl.npd.events.meeting-rescheduled.v1"

    starts_at: datetime
    ends_at: datetime
    time_zone: str = Field(max_length=64)
    previous_starts_at: datetime
    rescheduled_at: datetime


class MeetingChanged(_MeetingEvent):
    """A meeting's title, venue, audience, capacity or deadline changed; carries them all as they are now."""

    TYPE: ClassVar[str] = "nl.npd.events.meeting-changed.v1"

    title: str = Field(max_length=200)
    audience: Audience
    venue_id: UUID | None
    venue_organisation_id: UUID | None
    online: bool
    capacity: int | None
    registration_deadline: datetime | None
    changed_at: datetime
    changed: list[MeetingAspect] = Field(
        default_factory=list,
        description="What changed (empty from producers older than this field: then anything may have).",
    )


class MeetingCancelled(_MeetingEvent):
    """A meeting was cancelled; its registrations end after this event, each with its own event."""

    TYPE: ClassVar[str] = "nl.npd.events.meeting-cancelled.v1"

    reason: str = Field(max_length=500)
    cancelled_at: datetime


class GuestChairAssigned(_MeetingEvent):
    """An organisation was asked to chair this occurrence of a series (the rotation's choice)."""

    TYPE: ClassVar[str] = "nl.npd.events.guest-chair-assigned.v1"

    series_id: UUID
    organisation_id: UUID
    rotation_round: int = Field(ge=1, description="The round of the rotation: every eligible member once.")
    assigned_at: datetime


class GuestChairDeclined(_MeetingEvent):
    """An organisation no longer chairs this occurrence: it declined, left the network, or it was cancelled."""

    TYPE: ClassVar[str] = "nl.npd.events.guest-chair-declined.v1"

    series_id: UUID
    organisation_id: UUID
    reason: ChairEndReason
    declined_at: datetime


class RegistrationConfirmed(_MeetingEvent):
    """A person has a place."""

    TYPE: ClassVar[str] = "nl.npd.events.registration-confirmed.v1"

    person_id: str = Field(max_length=255)
    confirmed_at: datetime


class Waitlisted(_MeetingEvent):
    """The meeting was full: the person is on its waitlist."""

    TYPE: ClassVar[str] = "nl.npd.events.waitlisted.v1"

    person_id: str = Field(max_length=255)
    position: int = Field(ge=1, description="Their place in the queue when they joined it.")
    waitlisted_at: datetime


class WaitlistOffered(_MeetingEvent):
    """A place freed and is offered to the first on the waitlist, who must accept before it expires."""

    TYPE: ClassVar[str] = "nl.npd.events.waitlist-offered.v1"

    person_id: str = Field(max_length=255)
    expires_at: datetime
    offered_at: datetime


class WaitlistPromoted(_MeetingEvent):
    """A person on the waitlist got a place (at once, or by accepting an offer)."""

    TYPE: ClassVar[str] = "nl.npd.events.waitlist-promoted.v1"

    person_id: str = Field(max_length=255)
    promoted_at: datetime


class RegistrationCancelled(_MeetingEvent):
    """A registration or waitlist place ended (see reason); a freed place goes to the waitlist after this."""

    TYPE: ClassVar[str] = "nl.npd.events.registration-cancelled.v1"

    person_id: str = Field(max_length=255)
    reason: RegistrationEndReason
    was_waitlisted: bool = Field(description="True if they were on the waitlist, not holding a place.")
    cancelled_at: datetime


class AttendanceRecorded(_MeetingEvent):
    """After the meeting: whether a registered person attended."""

    TYPE: ClassVar[str] = "nl.npd.events.attendance-recorded.v1"

    person_id: str = Field(max_length=255)
    attended: bool
    recorded_at: datetime


class ReportPublished(_MeetingEvent):
    """A meeting's report was published (its text is read over HTTP, public ones without login)."""

    TYPE: ClassVar[str] = "nl.npd.events.report-published.v1"

    report_id: UUID
    title: str = Field(max_length=200)
    visibility: ReportVisibility
    published_at: datetime


class _CallEvent(EventData):
    TOPIC: ClassVar[Topic] = EVENTS_CALL_FOR_PAPERS
    SUBJECT_FIELD: ClassVar[str] = "call_id"

    call_id: UUID = Field(description="The call for papers; the Kafka key.")


class CallForPapersOpened(_CallEvent):
    """A call for papers opened for a conference."""

    TYPE: ClassVar[str] = "nl.npd.events.call-for-papers-opened.v1"

    meeting_id: UUID = Field(description="The conference the call is for.")
    title: str = Field(max_length=200)
    topics: list[str] = Field(description="The topics proposals may address.")
    closes_at: datetime
    opened_at: datetime


class CallForPapersClosed(_CallEvent):
    """The call reached its deadline, or a chair closed it early: no more proposals."""

    TYPE: ClassVar[str] = "nl.npd.events.call-for-papers-closed.v1"

    closed_at: datetime


class PaperSubmitted(_CallEvent):
    """A proposal was submitted."""

    TYPE: ClassVar[str] = "nl.npd.events.paper-submitted.v1"

    paper_id: UUID
    title: str = Field(max_length=200)
    submitter_id: str = Field(max_length=255, description="The person who submitted it.")
    speaker_ids: list[str] = Field(description="The speakers (person ids); the submitter is usually one.")
    submitted_at: datetime


class PaperDecided(_CallEvent):
    """A chair accepted or rejected a proposal."""

    TYPE: ClassVar[str] = "nl.npd.events.paper-decided.v1"

    paper_id: UUID
    decision: PaperDecision
    decided_at: datetime


class ProgrammeSession(BaseModel):
    """One slot of a published programme."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    session_id: UUID
    paper_id: UUID | None = Field(description="The accepted proposal it presents; none for e.g. a plenary.")
    title: str = Field(max_length=200)
    room: str = Field(max_length=100)
    starts_at: datetime
    ends_at: datetime
    speaker_ids: list[str]


class ProgrammePublished(_CallEvent):
    """The conference programme was published (again, after a change: the whole programme each time)."""

    TYPE: ClassVar[str] = "nl.npd.events.programme-published.v1"

    meeting_id: UUID
    sessions: list[ProgrammeSession]
    published_at: datetime
