"""MeetingChanged says what changed, in the contract's words (the domain keeps its own copy of them)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from npd_contracts.meetings import MeetingAspect
from npd_events.meetings import domain
from npd_events.meetings.domain import Audience, Meeting, MeetingFormat, MeetingStatus

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def a_meeting() -> Meeting:
    return Meeting(
        id=uuid4(), series_id=None, recurrence_id=None, title="Regiobijeenkomst", description="",
        format=MeetingFormat.NETWORK_MEETING, audience=Audience.NETWORK, host_group_id=None, venue_id=uuid4(),
        online=False, online_url=None, starts_at=NOW + timedelta(days=7), ends_at=NOW + timedelta(days=7, hours=2),
        time_zone="Europe/Amsterdam", capacity=40, registration_deadline=None, offer_hours=None,
        status=MeetingStatus.SCHEDULED, detached=False, sequence=0, cancel_reason=None, created_by="admin",
        created_at=NOW, cancelled_at=None,
    )  # fmt: skip


def test_each_changed_field_is_named_as_the_contract_names_it_and_what_the_event_does_not_carry_is_other() -> None:
    before = a_meeting()
    assert domain.changed_aspects(before, replace(before, venue_id=None, online=True)) == ["online", "venue"]
    assert domain.changed_aspects(before, replace(before, capacity=60, title="Nieuw")) == ["capacity", "title"]
    assert domain.changed_aspects(before, replace(before, description="Meer uitleg")) == ["other"]
    assert domain.changed_aspects(before, replace(before, registration_deadline=NOW)) == ["registration_deadline"]
    assert domain.changed_aspects(before, before) == []


def test_the_domain_names_every_aspect_of_the_contract_and_no_other() -> None:
    named = {*domain._ASPECTS.values(), "other"}
    assert named == {aspect.value for aspect in MeetingAspect}
