"""Meetings, series and venues, free of I/O and of the event contracts.

A meeting is one gathering with a start, an end and a time zone; a series is a recurrence rule (RFC 5545)
whose occurrences are materialised as meetings, each identified within its series by its recurrence id
(the occurrence's original local start), so that a changed or cancelled occurrence stays an exception when
the series is expanded again.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

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


DEFAULT_TIME_ZONE = "Europe/Amsterdam"


class EndBeforeStart(ValueError):
    def __init__(self) -> None:
        super().__init__("a meeting must end after it starts")


class TooLong(ValueError):
    def __init__(self) -> None:
        super().__init__("a meeting lasts at most 14 days")


class DeadlineAfterStart(ValueError):
    def __init__(self) -> None:
        super().__init__("registration must close before the meeting starts")


class NowhereToMeet(ValueError):
    def __init__(self) -> None:
        super().__init__("a meeting needs a venue, or to be online, or both")


class GroupAudienceWithoutGroup(ValueError):
    def __init__(self) -> None:
        super().__init__("a meeting for a group's members needs a host group")


class MeetingIsCancelled(Exception):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} is cancelled")


class MeetingIsOver(Exception):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} has already started; it can no longer be changed or cancelled")


MAX_DURATION_MINUTES = 14 * 24 * 60


@dataclass(frozen=True)
class Plan:
    """What an organiser says about a meeting (or every occurrence of a series): all but when."""

    title: str
    description: str
    format: MeetingFormat
    audience: Audience
    host_group_id: UUID | None
    venue_id: UUID | None
    online: bool
    online_url: str | None
    capacity: int | None
    offer_hours: int | None

    def check(self) -> None:
        if self.venue_id is None and not self.online:
            raise NowhereToMeet()
        if self.audience is Audience.GROUP and self.host_group_id is None:
            raise GroupAudienceWithoutGroup()


@dataclass(frozen=True)
class When:
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    time_zone: str
    registration_deadline: datetime | None

    def check(self) -> None:
        if self.ends_at <= self.starts_at:
            raise EndBeforeStart()
        if (self.ends_at - self.starts_at).total_seconds() > MAX_DURATION_MINUTES * 60:
            raise TooLong()
        if self.registration_deadline is not None and self.registration_deadline > self.starts_at:
            raise DeadlineAfterStart()


def schedule(meeting_id: UUID, plan: Plan, when: When, by: str, now: datetime) -> Meeting:
    plan.check()
    when.check()
    return Meeting(
        id=meeting_id,
        series_id=None,
        recurrence_id=None,
        **_plan_fields(plan),
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        time_zone=when.time_zone,
        registration_deadline=when.registration_deadline,
        status=MeetingStatus.SCHEDULED,
        detached=False,
        sequence=0,
        cancel_reason=None,
        created_by=by,
        created_at=now,
        cancelled_at=None,
    )


def _plan_fields(plan: Plan) -> dict[str, Any]:
    return {f: getattr(plan, f) for f in Plan.__dataclass_fields__}


def plan_of(item: "Meeting | Series") -> Plan:
    return Plan(**{f: getattr(item, f) for f in Plan.__dataclass_fields__})


def _require_open(meeting: Meeting, now: datetime) -> None:
    if meeting.status is MeetingStatus.CANCELLED:
        raise MeetingIsCancelled(meeting.id)
    if meeting.starts_at <= now:
        raise MeetingIsOver(meeting.id)


@dataclass(frozen=True)
class Revision:
    """A meeting after a change, and what kind of change it was (each is its own event)."""

    meeting: Meeting
    moved: bool  # start, end or time zone
    changed: bool  # anything else


# What each changed field of a meeting is called in MeetingChanged's `changed` (the contract's MeetingAspect
# values; the domain keeps its own names, tests/test_purity keeps contracts out of it).
_ASPECTS = {
    "title": "title",
    "audience": "audience",
    "venue_id": "venue",
    "online": "online",
    "capacity": "capacity",
    "registration_deadline": "registration_deadline",
}


def changed_aspects(before: Meeting, after: Meeting) -> list[str]:
    """What a change (not a move) changed, as MeetingChanged names it; `other` for what it does not carry."""
    fields = [*Plan.__dataclass_fields__, "registration_deadline"]
    differ = [f for f in fields if getattr(before, f) != getattr(after, f)]
    aspects = {_ASPECTS.get(f, "other") for f in differ}
    return sorted(aspects)


def revise(meeting: Meeting, plan: Plan, when: When, now: datetime, *, detach: bool) -> Revision | None:
    """The meeting with a new plan and time; None when nothing changes. `detach`: the change is to this
    occurrence alone, so later changes to its series leave it alone."""
    _require_open(meeting, now)
    plan.check()
    when.check()
    moved = (when.starts_at, when.ends_at, when.time_zone) != (meeting.starts_at, meeting.ends_at, meeting.time_zone)
    changed = plan != plan_of(meeting) or when.registration_deadline != meeting.registration_deadline
    if not moved and not changed:
        return None
    revised = replace(
        meeting,
        **_plan_fields(plan),
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        time_zone=when.time_zone,
        registration_deadline=when.registration_deadline,
        detached=meeting.detached or (detach and meeting.series_id is not None),
        sequence=meeting.sequence + 1,
    )
    return Revision(revised, moved, changed)


def cancel(meeting: Meeting, reason: str, now: datetime) -> Meeting:
    _require_open(meeting, now)
    return replace(
        meeting,
        status=MeetingStatus.CANCELLED,
        cancel_reason=reason,
        cancelled_at=now,
        sequence=meeting.sequence + 1,
    )


# -- series ---------------------------------------------------------------------------------------------


def local_to_instant(local: datetime, time_zone: str) -> datetime:
    """A wall-clock time in a zone as an instant (in a gap or overlap of a DST change, the earlier reading)."""
    return local.replace(tzinfo=ZoneInfo(time_zone))


def occurrence(series: Series, meeting_id: UUID, local_start: datetime, now: datetime) -> Meeting:
    """The meeting for one occurrence of a series, from its template."""
    starts_at = local_to_instant(local_start, series.time_zone)
    ends_at = starts_at + timedelta(minutes=series.duration_minutes)
    deadline = None if series.deadline_minutes is None else starts_at - timedelta(minutes=series.deadline_minutes)
    meeting = schedule(
        meeting_id,
        plan_of(series),
        When(starts_at, ends_at, series.time_zone, deadline),
        series.created_by,
        now,
    )
    return replace(meeting, series_id=series.id, recurrence_id=local_start)


def retimed(meeting: Meeting, series: Series) -> When:
    """An occurrence's time after its series changed its time of day or duration: same day, the new time."""
    assert meeting.recurrence_id is not None
    local = datetime.combine(meeting.recurrence_id.date(), series.dtstart.time())
    starts_at = local_to_instant(local, series.time_zone)
    ends_at = starts_at + timedelta(minutes=series.duration_minutes)
    deadline = None if series.deadline_minutes is None else starts_at - timedelta(minutes=series.deadline_minutes)
    return When(starts_at, ends_at, series.time_zone, deadline)
