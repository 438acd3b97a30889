"""Recurrence rules (RFC 5545 RRULE) of meeting series, expanded in local time with python-dateutil.

The rule's occurrences keep their wall-clock time in the series' time zone across daylight-saving changes:
a series at 19:00 in Europe/Amsterdam is at 17:00 UTC in summer and 18:00 UTC in winter.

dateutil searches up to the year 9999 for a rule whose filters never match (FREQ=DAILY;BYSETPOS=2 takes
seconds to say it has no occurrence), so only the parts meetings need are accepted, and the combinations
that can never match are refused before dateutil sees them.
"""

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MAX_COUNT = 1000


class InvalidRecurrenceRule(ValueError):
    def __init__(self, rule: str, why: str) -> None:
        super().__init__(f"the recurrence rule {rule!r} cannot be used: {why}")


def _ints(rule: str, name: str, value: str, low: int, high: int) -> list[int]:
    try:
        numbers = [int(v) for v in value.split(",")]
    except ValueError:
        raise InvalidRecurrenceRule(rule, f"{name} takes whole numbers") from None
    if not all(low <= abs(n) <= high for n in numbers):
        raise InvalidRecurrenceRule(rule, f"{name} takes numbers from {low} to {high} (or their negatives)")
    return numbers


def _check(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        name, sep, value = part.partition("=")
        if not sep or not value:
            raise InvalidRecurrenceRule(rule, f"{part!r} is not NAME=VALUE")
        if name not in PARTS:
            raise InvalidRecurrenceRule(rule, f"{name} is not supported here (supported: {', '.join(PARTS)})")
        if name in parts:
            raise InvalidRecurrenceRule(rule, f"{name} appears twice")
        parts[name] = value
    freq = parts.get("FREQ")
    if freq not in FREQUENCIES:
        raise InvalidRecurrenceRule(rule, f"FREQ must be one of {', '.join(FREQUENCIES)}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidRecurrenceRule(rule, "COUNT and UNTIL cannot both be given")
    if "COUNT" in parts and _ints(rule, "COUNT", parts["COUNT"], 1, MAX_COUNT)[0] < 1:
        raise InvalidRecurrenceRule(rule, "COUNT must be at least 1")
    if "INTERVAL" in parts and _ints(rule, "INTERVAL", parts["INTERVAL"], 1, 99)[0] < 1:
        raise InvalidRecurrenceRule(rule, "INTERVAL must be at least 1")
    months = _ints(rule, "BYMONTH", parts["BYMONTH"], 1, 12) if "BYMONTH" in parts else list(range(1, 13))
    if any(m < 1 for m in months):
        raise InvalidRecurrenceRule(rule, "BYMONTH takes months 1 to 12")
    if "BYMONTHDAY" in parts:
        longest = max(_MONTH_DAYS[m - 1] for m in months)
        if not any(abs(d) <= longest for d in _ints(rule, "BYMONTHDAY", parts["BYMONTHDAY"], 1, 31)):
            raise InvalidRecurrenceRule(rule, "no BYMONTHDAY exists in the months of the rule")
    days = parts.get("BYDAY", "").split(",") if "BYDAY" in parts else []
    for day in days:
        ordinal, weekday = day[:-2], day[-2:]
        if weekday not in _WEEKDAYS:
            raise InvalidRecurrenceRule(rule, f"BYDAY {day!r}: days are {', '.join(_WEEKDAYS)}")
        if ordinal:
            if freq not in ("MONTHLY", "YEARLY"):
                raise InvalidRecurrenceRule(rule, "BYDAY with a number (2TU) needs FREQ=MONTHLY or YEARLY")
            limit = 5 if freq == "MONTHLY" or "BYMONTH" in parts else 53
            _ints(rule, "BYDAY", ordinal, 1, limit)
    if "BYSETPOS" in parts:
        if freq not in ("MONTHLY", "YEARLY") or not days or "BYMONTHDAY" in parts:
            raise InvalidRecurrenceRule(rule, "BYSETPOS is supported with FREQ=MONTHLY or YEARLY and BYDAY only")
        _ints(rule, "BYSETPOS", parts["BYSETPOS"], 1, 4 * len(days))
    return parts


def parse(rule: str, dtstart: datetime, time_zone: str) -> rrule:
    """The rule with its first local start (naive, wall-clock time in `time_zone`); refused if it cannot be
    used for meetings or has no occurrence."""
    body = rule.removeprefix("RRULE:")
    _check(body)
    start = dtstart.replace(tzinfo=ZoneInfo(time_zone))
    try:
        parsed = rrulestr(body, dtstart=start)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidRecurrenceRule(rule, str(exc)) from None
    assert isinstance(parsed, rrule)
    if parsed.after(start, inc=True) is None:
        raise InvalidRecurrenceRule(rule, "it has no occurrence on or after the series' start")
    return parsed


def occurrences(rule: str, dtstart: datetime, time_zone: str, since: datetime, before: datetime) -> Iterator[datetime]:
    """Local starts (naive) of the occurrences from `since` (inclusive) to `before` (exclusive), both local."""
    tz = ZoneInfo(time_zone)
    for start in parse(rule, dtstart, time_zone).xafter(max(since, dtstart).replace(tzinfo=tz), inc=True):
        local = start.replace(tzinfo=None)
        if local >= before:
            return
        yield local
