"""iCalendar (RFC 5545) feeds rendered from plain data: no I/O, no clock.

Each meeting is one VEVENT with a UID that never changes (`<meeting id>@npd`), a SEQUENCE that grows with
every change a calendar client must notice (rescheduled, moved, cancelled) and a STATUS. An occurrence of a
series is a meeting of its own (people register for it on its own; a person's feed holds only the occurrences
they are in), so occurrences are written out one VEVENT each rather than as RRULE + EXDATE: a cancelled or
moved occurrence is then just that VEVENT's STATUS and SEQUENCE, which every client reads the same way.

Local times are written with TZID and a VTIMEZONE per zone used, whose transitions are read from the IANA
database (zoneinfo) for the years the feed spans, so a 10:00 meeting stays at 10:00 on both sides of a
daylight-saving change in any client.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from uuid import UUID
from zoneinfo import ZoneInfo

PRODID = "-//Netwerk Publieke Dienstverleners//NPD Platform//NL"
UID_DOMAIN = "npd.events"
_FOLD_AT = 75  # octets per line, CRLF excluded (RFC 5545 section 3.1)


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting as a calendar shows it."""

    meeting_id: UUID
    title: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    time_zone: str
    sequence: int
    cancelled: bool
    changed_at: datetime  # the last change: DTSTAMP and LAST-MODIFIED
    description: str = ""
    location: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Calendar:
    name: str
    events: Sequence[CalendarEvent]
    refresh: timedelta = timedelta(hours=1)
    description: str = ""


def uid(meeting_id: UUID) -> str:
    return f"{meeting_id}@{UID_DOMAIN}"


def escape(value: str) -> str:
    """A TEXT value (RFC 5545 section 3.3.11): backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded at 75 octets, never inside a UTF-8 character, lines ended by CRLF."""
    if len(line) <= _FOLD_AT // 4 or len(line.encode()) <= _FOLD_AT:  # most lines: no need to walk them
        return line + "\r\n"
    out: list[str] = []
    current: list[str] = []
    size = 0
    limit = _FOLD_AT
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [], 0, _FOLD_AT - 1  # continuation lines start with one space
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out) + "\r\n"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y%m%dT%H%M%S")


def _duration(delta: timedelta) -> str:
    """A UTC offset as RFC 5545 writes it: +0100, -0330."""
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{rest:02d}"


def _zero() -> timedelta:
    return timedelta(0)


@dataclass(frozen=True)
class _Transition:
    at_utc: datetime
    before: timedelta
    after: timedelta
    name: str
    daylight: bool


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or _zero()


@lru_cache(maxsize=512)
def _transitions(zone_name: str, year: int) -> tuple[_Transition, ...]:
    """The zone's offset changes in a year, to the second: scanned day by day, then narrowed by bisection."""
    zone = ZoneInfo(zone_name)
    found: list[_Transition] = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        nxt = day + timedelta(days=1)
        before, after = _offset(zone, day), _offset(zone, nxt)
        if before != after:
            # Whole seconds: `high` ends as the first second with the new offset.
            low, high = int(day.timestamp()), int(nxt.timestamp())
            while high - low > 1:
                mid = (low + high) // 2
                if _offset(zone, datetime.fromtimestamp(mid, UTC)) == before:
                    low = mid
                else:
                    high = mid
            at = datetime.fromtimestamp(high, UTC)
            local = at.astimezone(zone)
            daylight = bool(local.dst())
            found.append(_Transition(at, before, after, local.tzname() or zone_name, daylight))
        day = nxt
    return tuple(found)


def _vtimezone(zone_name: str, years: range) -> list[str]:
    """A VTIMEZONE whose STANDARD and DAYLIGHT parts are the zone's actual transitions in those years; a
    zone without any (UTC, or one that abolished daylight saving) gets one STANDARD part."""
    zone = ZoneInfo(zone_name)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone_name}"]
    transitions = [t for year in years for t in _transitions(zone_name, year)]
    if not transitions:
        start = datetime(years.start, 1, 1, tzinfo=UTC)
        offset = _offset(zone, start)
        lines += [
            "BEGIN:STANDARD",
            f"DTSTART:{years.start:04d}0101T000000",
            f"TZOFFSETFROM:{_duration(offset)}",
            f"TZOFFSETTO:{_duration(offset)}",
            f"TZNAME:{escape(start.astimezone(zone).tzname() or zone_name)}",
            "END:STANDARD",
        ]
    for t in transitions:
        kind = "DAYLIGHT" if t.daylight else "STANDARD"
        # DTSTART of a transition is the local time it happens at, in the offset before it.
        local = (t.at_utc + t.before).replace(tzinfo=None)
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{local.strftime('%Y%m%dT%H%M%S')}",
            f"TZOFFSETFROM:{_duration(t.before)}",
            f"TZOFFSETTO:{_duration(t.after)}",
            f"TZNAME:{escape(t.name)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def _when(name: str, moment: datetime, zone: str) -> str:
    if zone == "UTC":
        return f"{name}:{_utc(moment)}"
    return f"{name};TZID={zone}:{_local(moment, zone)}"


def _vevent(event: CalendarEvent) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid(event.meeting_id)}",
        f"DTSTAMP:{_utc(event.changed_at)}",
        f"LAST-MODIFIED:{_utc(event.changed_at)}",
        f"SEQUENCE:{event.sequence}",
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        _when("DTSTART", event.starts_at, event.time_zone),
        _when("DTEND", event.ends_at, event.time_zone),
        f"SUMMARY:{escape(event.title)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    if event.url:
        lines.append(f"URL;VALUE=URI:{event.url}")
    lines += ["TRANSP:OPAQUE", "END:VEVENT"]
    return lines


def _years(events: Iterable[CalendarEvent], zone: str) -> range:
    years = [
        y
        for e in events
        if e.time_zone == zone
        for y in (e.starts_at.astimezone(UTC).year, e.ends_at.astimezone(UTC).year)
    ]
    return range(min(years), max(years) + 1)


def _refresh(delta: timedelta) -> str:
    minutes = max(1, int(delta.total_seconds()) // 60)
    return f"PT{minutes}M"


def render(calendar: Calendar) -> str:
    """The whole VCALENDAR, events by start (then id) so the same data always gives the same bytes."""
    events = sorted(calendar.events, key=lambda e: (e.starts_at, str(e.meeting_id)))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape(calendar.name)}",
        f"X-WR-CALNAME:{escape(calendar.name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{_refresh(calendar.refresh)}",
        f"X-PUBLISHED-TTL:{_refresh(calendar.refresh)}",
    ]
    if calendar.description:
        lines += [f"DESCRIPTION:{escape(calendar.description)}", f"X-WR-CALDESC:{escape(calendar.description)}"]
    for zone in sorted({e.time_zone for e in events if e.time_zone != "UTC"}):
        lines += _vtimezone(zone, _years(events, zone))
    for event in events:
        lines += _vevent(event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
