"""Recurrence rules: occurrences keep their wall-clock time across daylight saving; rules dateutil would search
for until the year 9999 are refused at once, with the reason."""

from datetime import datetime

import pytest
from npd_events.meetings.recurrence import InvalidRecurrenceRule, occurrences, parse


def test_a_monthly_rule_on_the_second_tuesday_gives_second_tuesdays() -> None:
    starts = list(occurrences("FREQ=MONTHLY;BYDAY=2TU;COUNT=3", datetime(2027, 1, 1, 10), "Europe/Amsterdam",
                              datetime(2027, 1, 1), datetime(2028, 1, 1)))  # fmt: skip
    assert starts == [datetime(2027, 1, 12, 10), datetime(2027, 2, 9, 10), datetime(2027, 3, 9, 10)]


def test_expansion_resumes_where_it_stopped_without_repeating_a_day() -> None:
    args = ("FREQ=WEEKLY", datetime(2027, 3, 1, 19), "Europe/Amsterdam")
    first = list(occurrences(*args, datetime(2027, 3, 1), datetime(2027, 3, 15)))
    rest = list(occurrences(*args, datetime(2027, 3, 15), datetime(2027, 4, 1)))
    assert first + rest == list(occurrences(*args, datetime(2027, 3, 1), datetime(2027, 4, 1)))
    assert len(first + rest) == 5


@pytest.mark.parametrize(
    "rule",
    ["FREQ=DAILY;BYSETPOS=2", "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MONTHLY;BYDAY=6MO", "FREQ=SECONDLY",
     "FREQ=MONTHLY;BYSETPOS=9;BYDAY=MO", "FREQ=YEARLY;BYWEEKNO=60", "FREQ=WEEKLY;;COUNT=2", "COUNT=2"],
)  # fmt: skip
def test_rules_that_never_match_or_are_not_for_meetings_are_refused_before_expansion(rule: str) -> None:
    with pytest.raises(InvalidRecurrenceRule):
        parse(rule, datetime(2027, 1, 1, 10), "Europe/Amsterdam")
