from datetime import UTC, datetime
from uuid import uuid4

from npd_contracts import MemberJoined, OrganisationKind
from npd_notifications.domain import Kind, welcome


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
