"""HTTP models of the meetings, series and venues API (never the event contracts). The enum types here are the
events service's one named schema per enum: other packages of the service import them from here."""

from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo, available_timezones

from fastapi import Query
from npd_runtime.validation import Text, described
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

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
# A wall-clock time in a meeting's or series' own zone, without an offset (RFC 3339 date-times need one).
LocalDateTime = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
        examples=["2027-01-12T19:00:00"],
        description="A local date and time in the time zone beside it (no offset).",
    ),
]


def _local(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=None).isoformat(timespec="seconds")


Kind = Annotated[
    OrganisationKind, described("A kind of member organisation: municipality, executive agency, province, ...")
]

# Every IANA zone this host's time-zone database knows, as an enum, so the document says which are valid.
Zone = StrEnum("Zone", {name: name for name in sorted(available_timezones())})  # type: ignore[misc]
TimeZone = Annotated[
    Zone,
    described("An IANA time zone, such as Europe/Amsterdam (the default)."),
]
Title = Annotated[Text, Field(min_length=2, max_length=200, examples=["Netwerkbijeenkomst Q1"])]
Description = Annotated[Text, Field(max_length=4000, description="One paragraph; no line breaks.")]
# Not Text: their own patterns already leave out control characters (and, for links, any white space).
Url = Annotated[
    str,
    Field(
        min_length=9,
        max_length=500,
        pattern=r"^https://[^\s\u0000-\u001F\u007F-\u009F]+$",
        examples=["https://meet.example/npd"],
        description="An https link.",
    ),
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
    model_config = ConfigDict(extra="forbid")

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
    time_zone: TimeZone = Zone(DEFAULT_TIME_ZONE)
    registration_deadline: datetime | None = Field(default=None, description="Registration closes then.")

    def when(self) -> When:
        zone = str(self.time_zone.value)
        deadline = None if self.registration_deadline is None else _instant(self.registration_deadline, zone)
        return When(_instant(self.starts_at, zone), _instant(self.ends_at, zone), zone, deadline)


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=500, description="Told to everyone registered.")


class MeetingPublic(BaseModel):
    id: UUID
    series_id: UUID | None
    recurrence_id: LocalDateTime | None = Field(
        description="For an occurrence: its original local start in the series."
    )
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
        fields["recurrence_id"] = _local(m.recurrence_id)
        return cls(**fields, places_taken=taken, waitlisted=waitlisted, guest_chair_organisation_id=chair)


class SeriesBody(_PlanBody):
    rule: Annotated[
        str,
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
    time_zone: TimeZone = Zone(DEFAULT_TIME_ZONE)
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
        return self.starts_at.astimezone(ZoneInfo(self.time_zone.value)).replace(tzinfo=None)

    def draft(self) -> Series:
        """The series as asked for; its id, creator and times are the service's to set."""
        p = self.plan()
        return Series(
            id=UUID(int=0),
            rule=self.rule.removeprefix("RRULE:"),
            dtstart=self.local_start(),
            time_zone=str(self.time_zone.value),
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
    start_time: str | None = Field(
        default=None,
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        examples=["14:00"],
        description="A new local time of day (HH:MM, in the series' time zone).",
    )
    duration_minutes: int | None = Field(default=None, ge=5, le=14 * 24 * 60)

    def local_time(self) -> time | None:
        return None if self.start_time is None else time.fromisoformat(self.start_time)


class SeriesPublic(BaseModel):
    id: UUID
    rule: str
    starts_at: LocalDateTime = Field(description="The first local start (wall-clock time in time_zone).")
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
    materialised_until: LocalDateTime | None = Field(description="Occurrences exist up to this local time.")
    ended_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, s: Series) -> "SeriesPublic":
        return cls(
            **{f: getattr(s, f) for f in cls.model_fields if hasattr(s, f) and f != "materialised_until"},
            starts_at=_local(s.dtstart),
            materialised_until=_local(s.materialised_until),
            registration_closes_minutes_before=s.deadline_minutes,
            guest_chair_kinds=list(s.rotation_kinds),
        )


class VenueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[Text, Field(min_length=2, max_length=200, examples=["Stadhuis, raadzaal"])]
    address: Annotated[Text, Field(min_length=2, max_length=200, examples=["Coolsingel 40"])]
    postal_code: Annotated[
        str, Field(min_length=4, max_length=10, pattern=r"^[0-9A-Za-z][0-9A-Za-z \-]*$", examples=["3011 AD"])
    ]
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


def _not_a_number(value: object) -> object:
    # pydantic reads a number as seconds since 1970; the document promises a date-time, so only that is taken.
    if isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        raise ValueError("a date-time (RFC 3339), such as 2027-01-12T19:00:00+01:00")
    return value


Instant = Annotated[datetime, BeforeValidator(_not_a_number)]
FromFilter = Annotated[Instant | None, Query(description="Only meetings that end after this instant")]
ToFilter = Annotated[Instant | None, Query(description="Only meetings that start before this instant")]
GroupFilter = Annotated[UUID | None, Query(description="Only this group's meetings")]
SeriesFilter = Annotated[UUID | None, Query(description="Only this series' occurrences")]
OrganisationFilter = Annotated[UUID | None, Query(description="Only this organisation's venues")]
