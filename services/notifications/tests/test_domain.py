from datetime import UTC, datetime, timedelta
from uuid import uuid4

from npd_notifications.domain import Kind, NewMember, welcome, welcome_is_due

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def a_new_member(joined_at: datetime = NOW) -> NewMember:
    return NewMember(organisation_id=uuid4(), name="Gemeente Utrecht", contact_person_id="p-1", joined_at=joined_at)


def test_the_welcome_goes_to_the_organisations_contact_and_names_the_organisation() -> None:
    member = a_new_member()
    note = welcome(uuid4(), member)
    assert note.recipient_person_id == "p-1"
    assert note.kind is Kind.WELCOME
    assert note.organisation_id == member.organisation_id
    assert "Gemeente Utrecht" in note.body


def test_a_welcome_is_due_for_a_recent_admission_but_not_for_one_replayed_from_long_ago() -> None:
    assert welcome_is_due(a_new_member(NOW - timedelta(days=1)), NOW)
    assert not welcome_is_due(a_new_member(NOW - timedelta(days=400)), NOW)
