from datetime import UTC, datetime, timedelta
from uuid import uuid4

from npd_contracts import MemberJoined, OrganisationKind
from npd_notifications.domain import Kind, welcome, welcome_is_due


def test_the_welcome_goes_to_the_organisations_contact_and_names_the_organisation() -> None:
    event = MemberJoined(
        organisation_id=uuid4(),
        name="Gemeente Utrecht",
        kind=OrganisationKind.MUNICIPALITY,
        contact_person_id="p-1",
        joined_at=datetime.now(UTC),
    )
    note = welcome(uuid4(), event)
    assert note.recipient_person_id == "p-1"
    assert note.kind is Kind.WELCOME
    assert note.organisation_id == event.organisation_id
    assert "Gemeente Utrecht" in note.body


def test_a_welcome_is_due_for_a_recent_admission_but_not_for_one_replayed_from_long_ago() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    recent = MemberJoined(
        organisation_id=uuid4(),
        name="Gemeente Utrecht",
        kind=OrganisationKind.MUNICIPALITY,
        contact_person_id="p-1",
        joined_at=now - timedelta(days=1),
    )
    assert welcome_is_due(recent, now)
    assert not welcome_is_due(recent.model_copy(update={"joined_at": now - timedelta(days=400)}), now)
