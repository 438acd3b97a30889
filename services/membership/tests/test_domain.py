from datetime import UTC, datetime
from uuid import uuid4

import npd_contracts as contracts
import pytest
from npd_membership import domain
from npd_membership.domain import LeaveReason, NotAMember, NotAnApplication, OrganisationKind, Status
from npd_membership.service import contract_events

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def an_application() -> domain.Organisation:
    change = domain.apply(uuid4(), " Gemeente Utrecht ", OrganisationKind.MUNICIPALITY, "p-1", "p1@u.nl", NOW)
    return change.organisation


def test_applying_records_an_application_and_announces_it_without_the_email_address() -> None:
    change = domain.apply(uuid4(), " Gemeente Utrecht ", OrganisationKind.MUNICIPALITY, "p-1", "p1@x.nl", NOW)
    org = change.organisation
    assert org.status is Status.APPLIED
    assert org.name == "Gemeente Utrecht"
    [event] = contract_events(change)
    assert isinstance(event, contracts.OrganisationApplied)
    assert event.organisation_id == org.id
    assert "p1@x.nl" not in event.model_dump_json()


def test_admitting_an_application_makes_a_member_and_announces_it() -> None:
    change = domain.admit(an_application(), NOW)
    member = change.organisation
    assert member.status is Status.MEMBER
    assert member.joined_at == NOW
    assert contract_events(change) == [
        contracts.MemberJoined(
            organisation_id=member.id,
            name="Gemeente Utrecht",
            kind=contracts.OrganisationKind.MUNICIPALITY,
            contact_person_id="p-1",
            joined_at=NOW,
        )
    ]


def test_a_member_cannot_be_admitted_twice() -> None:
    member = domain.admit(an_application(), NOW).organisation
    with pytest.raises(NotAnApplication, match="only an application can be admitted"):
        domain.admit(member, NOW)


def test_a_member_can_leave_and_it_is_announced() -> None:
    member = domain.admit(an_application(), NOW).organisation
    change = domain.leave(member, LeaveReason.WITHDREW, NOW)
    assert change.organisation.status is Status.LEFT
    assert contract_events(change) == [
        contracts.MemberLeft(organisation_id=member.id, reason=contracts.LeaveReason.WITHDREW, left_at=NOW)
    ]


def test_an_application_cannot_leave() -> None:
    with pytest.raises(NotAMember, match="not a member"):
        domain.leave(an_application(), LeaveReason.WITHDREW, NOW)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(OrganisationKind, contracts.OrganisationKind), (LeaveReason, contracts.LeaveReason)],
)
def test_every_value_of_the_domain_has_its_word_in_the_contracts(ours: type, theirs: type) -> None:
    assert {m.value for m in ours} == {m.value for m in theirs}
