from datetime import UTC, datetime
from uuid import uuid4

import pytest
from npd_contracts import LeaveReason, MemberJoined, MemberLeft, OrganisationKind
from npd_membership import domain
from npd_membership.domain import Status, TransitionRefused

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def an_application() -> domain.Organisation:
    org, _ = domain.apply(uuid4(), " Gemeente Utrecht ", OrganisationKind.MUNICIPALITY, "p-1", "p1@utrecht.nl", NOW)
    return org


def test_applying_records_an_application_and_says_so_without_the_email_address() -> None:
    org, event = domain.apply(uuid4(), " Gemeente Utrecht ", OrganisationKind.MUNICIPALITY, "p-1", "p1@x.nl", NOW)
    assert org.status is Status.APPLIED
    assert org.name == "Gemeente Utrecht"
    assert event.organisation_id == org.id
    assert "p1@x.nl" not in event.model_dump_json()


def test_admitting_an_application_makes_a_member_and_announces_it() -> None:
    member, event = domain.admit(an_application(), NOW)
    assert member.status is Status.MEMBER
    assert member.joined_at == NOW
    assert event == MemberJoined(
        organisation_id=member.id,
        name="Gemeente Utrecht",
        kind=OrganisationKind.MUNICIPALITY,
        contact_person_id="p-1",
        joined_at=NOW,
    )


def test_a_member_cannot_be_admitted_twice() -> None:
    member, _ = domain.admit(an_application(), NOW)
    with pytest.raises(TransitionRefused, match="only an application can be admitted"):
        domain.admit(member, NOW)


def test_a_member_can_leave_and_it_is_announced() -> None:
    member, _ = domain.admit(an_application(), NOW)
    departed, event = domain.leave(member, LeaveReason.WITHDREW, NOW)
    assert departed.status is Status.LEFT
    assert event == MemberLeft(organisation_id=member.id, reason=LeaveReason.WITHDREW, left_at=NOW)


def test_an_application_cannot_leave() -> None:
    with pytest.raises(TransitionRefused, match="not a member"):
        domain.leave(an_application(), LeaveReason.WITHDREW, NOW)
