"""The iCalendar feed, read back with the `icalendar` library as a calendar client would."""

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import icalendar
from npd_events.calendars.ical import Calendar, CalendarEvent, escape, fold, render, uid

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CHANGED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def weekly(first: datetime, until: date) -> list[datetime]:
    local = first.replace(tzinfo=None)
    out = []
    while local.date() <= until:
        out.append(local.replace(tzinfo=AMSTERDAM))
        local += timedelta(days=7)
    return out


def meeting(starts_at: datetime, **changes: object) -> CalendarEvent:
    fields: dict[str, object] = {
        "meeting_id": uuid4(),
        "title": "Werkgroep Audit",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1, minutes=30),
        "time_zone": "Europe/Amsterdam",
        "sequence": 0,
        "cancelled": False,
        "changed_at": CHANGED,
    }
    return CalendarEvent(**(fields | changes))  # type: ignore[arg-type]


def parsed(calendar: Calendar) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(render(calendar))


def vevents(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return list(cal.walk("VEVENT"))


def test_a_weekly_series_keeps_its_local_time_across_both_daylight_saving_changes_of_two_years() -> None:
    # From September 2026 to May 2027: CEST -> CET on 25 October 2026, CET -> CEST on 28 March 2027.
    starts = weekly(datetime(2026, 9, 8, 10, 0, tzinfo=AMSTERDAM), date(2027, 5, 25))
    cal = parsed(Calendar("Werkgroep Audit", [meeting(s) for s in starts]))

    events = vevents(cal)
    assert len(events) == len(starts) == 38
    local_times = {e.decoded("DTSTART").astimezone(AMSTERDAM).time() for e in events}
    assert local_times == {datetime(2026, 1, 1, 10, 0).time()}
    offsets = sorted({e.decoded("DTSTART").utcoffset() for e in events})
    assert offsets == [timedelta(hours=1), timedelta(hours=2)]  # both sides of the changes are in the feed
    assert all(e["DTSTART"].params["TZID"] == "Europe/Amsterdam" for e in events)
    # Instants, too: 10:00 CEST is 08:00 UTC, 10:00 CET is 09:00 UTC.
    utc_hours = {e.decoded("DTSTART").astimezone(UTC).date(): e.decoded("DTSTART").astimezone(UTC).hour for e in events}
    assert utc_hours[date(2026, 10, 20)] == 8
    assert utc_hours[date(2026, 10, 27)] == 9
    assert utc_hours[date(2027, 3, 23)] == 9
    assert utc_hours[date(2027, 3, 30)] == 8


def test_the_time_zone_carries_both_transitions_of_each_year_it_spans() -> None:
    starts = weekly(datetime(2026, 9, 8, 10, 0, tzinfo=AMSTERDAM), date(2027, 5, 25))
    cal = parsed(Calendar("Werkgroep Audit", [meeting(s) for s in starts]))

    [zone] = cal.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Amsterdam"
    parts = {(p.name, p.decoded("DTSTART")) for p in zone.subcomponents}
    assert ("DAYLIGHT", datetime(2026, 3, 29, 2, 0)) in parts
    assert ("STANDARD", datetime(2026, 10, 25, 3, 0)) in parts
    assert ("DAYLIGHT", datetime(2027, 3, 28, 2, 0)) in parts
    assert ("STANDARD", datetime(2027, 10, 31, 3, 0)) in parts
    daylight = next(p for p in zone.subcomponents if p.name == "DAYLIGHT")
    assert daylight.decoded("TZOFFSETFROM") == timedelta(hours=1)
    assert daylight.decoded("TZOFFSETTO") == timedelta(hours=2)
    assert str(daylight["TZNAME"]) == "CEST"


def test_a_cancelled_occurrence_carries_status_cancelled_and_a_higher_sequence_under_the_same_uid() -> None:
    starts = weekly(datetime(2026, 9, 8, 10, 0, tzinfo=AMSTERDAM), date(2026, 10, 6))
    occurrences = [meeting(s) for s in starts]
    before = {e["UID"]: e for e in vevents(parsed(Calendar("Audit", occurrences)))}
    cancelled = occurrences[2]
    later = CHANGED + timedelta(days=3)
    occurrences[2] = meeting(
        cancelled.starts_at, meeting_id=cancelled.meeting_id, sequence=1, cancelled=True, changed_at=later
    )
    after = {e["UID"]: e for e in vevents(parsed(Calendar("Audit", occurrences)))}

    key = uid(cancelled.meeting_id)
    assert before.keys() == after.keys()
    assert str(before[key]["STATUS"]) == "CONFIRMED"
    assert str(after[key]["STATUS"]) == "CANCELLED"
    assert after[key].decoded("SEQUENCE") > before[key].decoded("SEQUENCE")
    assert after[key].decoded("DTSTAMP") == later
    others = [k for k in after if k != key]
    assert all(str(after[k]["STATUS"]) == "CONFIRMED" for k in others)


def test_a_rescheduled_meeting_keeps_its_uid_and_moves() -> None:
    original = meeting(datetime(2026, 11, 10, 10, 0, tzinfo=AMSTERDAM))
    moved = meeting(
        datetime(2026, 11, 12, 14, 0, tzinfo=AMSTERDAM), meeting_id=original.meeting_id, sequence=1, title="Audit"
    )
    [event] = vevents(parsed(Calendar("Audit", [moved])))
    assert event["UID"] == f"{original.meeting_id}@npd.events"
    assert event.decoded("DTSTART") == datetime(2026, 11, 12, 14, 0, tzinfo=AMSTERDAM)
    assert event.decoded("SEQUENCE") == 1


def test_text_with_commas_semicolons_and_line_breaks_round_trips() -> None:
    title = "Audit; risico's, kansen \\ en meer"
    description = "Eerste regel\nTweede regel, met; tekens"
    location = "Stadhuis Utrecht, Stadsplateau 1; 3521 AZ Utrecht"
    event = meeting(
        datetime(2026, 11, 10, 10, 0, tzinfo=AMSTERDAM),
        title=title,
        description=description,
        location=location,
        url="https://npd.example/meetings/1",
    )
    [parsed_event] = vevents(parsed(Calendar("Feed, met; tekens", [event])))
    assert str(parsed_event["SUMMARY"]) == title
    assert str(parsed_event["DESCRIPTION"]) == description
    assert str(parsed_event["LOCATION"]) == location
    assert str(parsed_event["URL"]) == "https://npd.example/meetings/1"
    assert escape("a,b;c\nd\\") == "a\\,b\\;c\\nd\\\\"


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    title = "Überlegungen zur Dienstverlening \u2013 " * 10
    text = render(Calendar("Feed", [meeting(datetime(2026, 11, 10, 10, 0, tzinfo=AMSTERDAM), title=title)]))
    raw = text.encode()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        line.decode()  # every physical line is whole UTF-8 (raises otherwise)
    [event] = vevents(icalendar.Calendar.from_ical(text))
    assert str(event["SUMMARY"]) == title
    assert fold("x" * 75) == "x" * 75 + "\r\n"
    assert fold("x" * 76) == "x" * 75 + "\r\n x\r\n"


def test_the_feed_names_itself_and_says_how_often_to_refresh() -> None:
    text = render(Calendar("Mijn NPD-agenda", [], refresh=timedelta(minutes=30)))
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["X-WR-CALNAME"]) == "Mijn NPD-agenda"
    assert str(cal["VERSION"]) == "2.0"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT30M\r\n" in text
    assert "X-PUBLISHED-TTL:PT30M\r\n" in text
    assert vevents(cal) == []


def test_the_same_data_renders_the_same_bytes_whatever_its_order() -> None:
    events = [meeting(datetime(2026, 11, d, 10, 0, tzinfo=AMSTERDAM)) for d in (3, 10, 17)]
    assert render(Calendar("A", events)) == render(Calendar("A", list(reversed(events))))


def test_a_meeting_in_utc_is_written_in_utc() -> None:
    event = meeting(datetime(2026, 11, 10, 9, 0, tzinfo=UTC), time_zone="UTC", meeting_id=UUID(int=7))
    text = render(Calendar("A", [event]))
    assert "DTSTART:20261110T090000Z\r\n" in text
    assert "VTIMEZONE" not in text
