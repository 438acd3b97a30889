"""HTTP models of the meetings, series and venues API (never the event contracts). The enum types here are the
events service's one named schema per enum: other packages of the service import them from here."""

from datetime import UTC, datetime, time
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo, available_timezones

from fastapi import Query
from npd_runtime.validation import Text, described
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from npd_events.meetings.domain import (
    DEFAULT_TIME_ZONE,
    Audience,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Plan,
    Series,
    Venue,
    When,
)
from npd_events.meetings.recurrence import MAX_COUNT
from npd_events.meetings.venues import Place
from npd_events.network.domain import OrganisationKind

Format = Annotated[
    MeetingFormat,
    described(
        "What sort of meeting: board meeting, network meeting, working-group or expert-community session, knowledge "
        "session, design-thinking lab, conference, or residents' meeting."
    ),
]
AudienceType = Annotated[
    Audience,
    described(
        "Who may register: group (the host group's members), board (board members), network (everyone in the "
        "network) or public (anyone, also without a role in the network)."
    ),
]
Status = Annotated[MeetingStatus, described("Scheduled, or cancelled (kept, with the reason).")]
Kind = Annotated[
    OrganisationKind, described("A kind of member organisation: municipality, executive agency, province, ...")
]

_ZONES = frozenset(available_timezones())


def _known_zone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError(f"{value!r} is not an IANA time zone (such as Europe/Amsterdam)")
    return value


TimeZone = Annotated[
    Text,
    Field(min_length=1, max_length=64, examples=[DEFAULT_TIME_ZONE], description="IANA time zone."),
    AfterValidator(_known_zone),
]
Title = Annotated[Text, Field(min_length=2, max_length=200, examples=["Netwerkbijeenkomst Q1"])]
Description = Annotated[Text, Field(max_length=4000, description="One paragraph; no line breaks.")]
Url = Annotated[
    Text, Field(min_length=9, max_length=500, pattern=r"^https://[^\s]+$", examples=["https://meet.example/npd"])
]
Capacity = Annotated[int, Field(ge=1, le=100_000, description="Places; leave out for unlimited.")]
OfferHours = Annotated[
    int,
    Field(
        ge=1,
        le=336,
        description="Offer mode: a freed place is offered to the first on the waitlist, who has this many hours "
        "to accept before it passes to the next. Leave out to give freed places at once, in waitlist order.",
    ),
]


def _instant(value: datetime, zone: str) -> datetime:
    """A time with an offset as given; one without, as a wall-clock time in the meeting's zone."""
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(zone))


class _PlanBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Title
    description: Description = ""
    format: Format
    audience: AudienceType = Audience.NETWORK
    host_group_id: UUID | None = Field(default=None, description="The group that holds it; its chairs organise it.")
    venue_id: UUID | None = Field(default=None, description="Where (a member organisation's venue).")
    online: bool = Field(default=False, description="Whether it can be joined online (alone or besides a venue).")
    online_url: Url | None = None
    capacity: Capacity | None = None
    offer_hours: OfferHours | None = None

    def plan(self) -> Plan:
        return Plan(
            self.title,
            self.description,
            self.format,
            self.audience,
            self.host_group_id,
            self.venue_id,
            self.online,
            self.online_url,
            self.capacity,
            self.offer_hours,
        )


class MeetingBody(_PlanBody):
    starts_at: datetime = Field(description="With an offset, or without: then a wall-clock time in time_zone.")
    ends_at: datetime
    time_zone: TimeZone = DEFAULT_TIME_ZONE
    registration_deadline: datetime | None = Field(default=None, description="Registration closes then.")

    def when(self) -> When:
        deadline = None if self.registration_deadline is None else _instant(self.registration_deadline, self.time_zone)
        return When(
            _instant(self.starts_at, self.time_zone), _instant(self.ends_at, self.time_zone), self.time_zone, deadline
        )


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Text = Field(min_length=1, max_length=500, description="Told to everyone registered.")


class MeetingPublic(BaseModel):
    id: UUID
    series_id: UUID | None
    recurrence_id: datetime | None = Field(description="For an occurrence: its original local start in the series.")
    title: str
    description: str
    format: Format
    audience: AudienceType
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
    status: Status
    cancel_reason: str | None
    sequence: int = Field(description="Bumped on every change (as iCalendar's SEQUENCE).")
    detached: bool = Field(description="An occurrence changed on its own: changes to its series leave it alone.")
    places_taken: int = Field(description="Confirmed registrations and places offered to the waitlist.")
    waitlisted: int
    guest_chair_organisation_id: UUID | None = Field(description="The organisation asked to chair it, if any.")
    created_at: datetime

    @classmethod
    def of(cls, m: Meeting, taken: int, waitlisted: int, chair: UUID | None) -> "MeetingPublic":
        fields: dict[str, Any] = {f: getattr(m, f) for f in cls.model_fields if hasattr(m, f)}
        return cls(**fields, places_taken=taken, waitlisted=waitlisted, guest_chair_organisation_id=chair)


class SeriesBody(_PlanBody):
    rule: Annotated[
        Text,
        Field(
            min_length=6,
            max_length=500,
            pattern=r"^(RRULE:)?[A-Z]+=[A-Za-z0-9,+\-]+(;[A-Z]+=[A-Za-z0-9,+\-]+)*$",
            examples=["FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU"],
            description=f"RFC 5545 RRULE: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, COUNT (up to {MAX_COUNT}), "
            "UNTIL (UTC, ...Z), BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, WKST.",
        ),
    ]
    starts_at: datetime = Field(
        description="The first occurrence's local start (wall-clock time in time_zone); an offset, if given, is "
        "converted to it. Every occurrence keeps this time of day, also across daylight-saving changes."
    )
    time_zone: TimeZone = DEFAULT_TIME_ZONE
    duration_minutes: int = Field(ge=5, le=14 * 24 * 60)
    registration_closes_minutes_before: int | None = Field(default=None, ge=0, le=60 * 24 * 90)
    guest_chair_kinds: list[Kind] = Field(
        default_factory=list,
        max_length=6,
        description="Rotate a guest chair over member organisations of these kinds (empty: no guest chairs).",
    )
    chair_lead_days: int = Field(default=90, ge=1, le=730, description="Ask a guest chair this long before.")

    def local_start(self) -> datetime:
        if self.starts_at.tzinfo is None:
            return self.starts_at
        return self.starts_at.astimezone(ZoneInfo(self.time_zone)).replace(tzinfo=None)

    def draft(self) -> Series:
        """The series as asked for; its id, creator and times are the service's to set."""
        p = self.plan()
        return Series(
            id=UUID(int=0),
            rule=self.rule.removeprefix("RRULE:"),
            dtstart=self.local_start(),
            time_zone=self.time_zone,
            duration_minutes=self.duration_minutes,
            **vars(p),
            deadline_minutes=self.registration_closes_minutes_before,
            rotation_kinds=tuple(dict.fromkeys(self.guest_chair_kinds)),
            chair_lead_days=self.chair_lead_days,
            materialised_until=None,
            ended_at=None,
            created_by="",
            created_at=datetime.now(UTC),
        )


class FollowingBody(_PlanBody):
    from_meeting_id: UUID = Field(description="The first occurrence to change; all following ones change too.")
    start_time: time | None = Field(default=None, description="A new local time of day (e.g. 14:00).")
    duration_minutes: int | None = Field(default=None, ge=5, le=14 * 24 * 60)

    @model_validator(mode="after")
    def _naive_time(self) -> "FollowingBody":
        if self.start_time is not None and self.start_time.tzinfo is not None:
            raise ValueError("start_time is a local time of day in the series' time zone, without an offset")
        return self


class SeriesPublic(BaseModel):
    id: UUID
    rule: str
    starts_at: datetime = Field(description="The first local start (wall-clock time in time_zone).")
    time_zone: str
    duration_minutes: int
    title: str
    description: str
    format: Format
    audience: AudienceType
    host_group_id: UUID | None
    venue_id: UUID | None
    online: bool
    online_url: str | None
    capacity: int | None
    registration_closes_minutes_before: int | None
    offer_hours: int | None
    guest_chair_kinds: list[Kind]
    chair_lead_days: int
    materialised_until: datetime | None = Field(description="Occurrences exist up to this local time.")
    ended_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, s: Series) -> "SeriesPublic":
        return cls(
            **{f: getattr(s, f) for f in cls.model_fields if hasattr(s, f)},
            starts_at=s.dtstart,
            registration_closes_minutes_before=s.deadline_minutes,
            guest_chair_kinds=list(s.rotation_kinds),
        )


class VenueBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[Text, Field(min_length=2, max_length=200, examples=["Stadhuis, raadzaal"])]
    address: Annotated[Text, Field(min_length=2, max_length=200, examples=["Coolsingel 40"])]
    postal_code: Annotated[Text, Field(min_length=4, max_length=10, pattern=r"^[0-9A-Za-z][0-9A-Za-z \-]*$")]
    city: Annotated[Text, Field(min_length=2, max_length=100, examples=["Rotterdam"])]
    capacity: Capacity | None = None
    online_url: Url | None = None

    def place(self) -> Place:
        return Place(self.name, self.address, self.postal_code, self.city, self.capacity, self.online_url)


class VenueCreate(VenueBody):
    organisation_id: UUID = Field(description="The member organisation whose location it is.")


class VenuePublic(BaseModel):
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

    @classmethod
    def of(cls, v: Venue) -> "VenuePublic":
        return cls.model_validate(v, from_attributes=True)


FromFilter = Annotated[datetime | None, Query(description="Only meetings that end after this instant")]
ToFilter = Annotated[datetime | None, Query(description="Only meetings that start before this instant")]
GroupFilter = Annotated[UUID | None, Query(description="Only this group's meetings")]
SeriesFilter = Annotated[UUID | None, Query(description="Only this series' occurrences")]
OrganisationFilter = Annotated[UUID | None, Query(description="Only this organisation's venues")]
