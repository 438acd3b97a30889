from datetime import UTC, datetime, timedelta
from uuid import uuid4

import npd_contracts as contracts
import pytest
from npd_membership.organisations import domain
from npd_membership.organisations.domain import (
    LeaveReason,
    NoLongerInTheNetwork,
    NotAMember,
    NotAnApplication,
    NotSuspended,
    OrganisationKind,
    PolicyDomain,
    Profile,
    SizeClass,
    Status,
)
from npd_membership.organisations.service import contract_events
from npd_membership.people import domain as people

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
PROFILE = Profile(
    " Gemeente  Utrecht ",
    OrganisationKind.MUNICIPALITY,
    (PolicyDomain.TAXES, PolicyDomain.SOCIAL_SECURITY, PolicyDomain.TAXES),
    SizeClass.FROM_1000,
)


def an_application() -> domain.Organisation:
    return domain.apply(uuid4(), PROFILE, "p-1", "Anna de Vries", "p1@u.nl", NOW).organisation


def a_member() -> domain.Organisation:
    return domain.admit(an_application(), NOW).organisation


def test_applying_records_an_application_and_announces_it_without_the_email_address() -> None:
    change = domain.apply(uuid4(), PROFILE, "p-1", "Anna", "p1@x.nl", NOW)
    org = change.organisation
    assert org.status is Status.APPLIED
    assert org.name == "Gemeente Utrecht"
    assert org.domains == (PolicyDomain.SOCIAL_SECURITY, PolicyDomain.TAXES)
    [event] = contract_events(change)
    assert isinstance(event, contracts.OrganisationApplied)
    assert event.organisation_id == org.id
    assert event.domains == [contracts.PolicyDomain.SOCIAL_SECURITY, contracts.PolicyDomain.TAXES]
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
            domains=[contracts.PolicyDomain.SOCIAL_SECURITY, contracts.PolicyDomain.TAXES],
            size_class=contracts.SizeClass.FROM_1000,
        )
    ]


def test_a_member_cannot_be_admitted_twice() -> None:
    with pytest.raises(NotAnApplication, match="only an open application"):
        domain.admit(a_member(), NOW)


def test_a_rejected_application_cannot_be_admitted_and_keeps_its_reason() -> None:
    change = domain.reject(an_application(), " Not a public body ", LATER)
    assert change.organisation.status is Status.REJECTED
    assert domain.history_entry(change, "admin").reason == "Not a public body"
    assert contract_events(change) == [
        contracts.OrganisationRejected(
            organisation_id=change.organisation.id, reason="Not a public body", rejected_at=LATER
        )
    ]
    with pytest.raises(NotAnApplication):
        domain.admit(change.organisation, LATER)


def test_a_suspended_member_is_reinstated_and_only_a_suspended_one() -> None:
    suspended = domain.suspend(a_member(), "unpaid contribution", LATER).organisation
    assert suspended.status is Status.SUSPENDED
    with pytest.raises(NotAMember):
        domain.suspend(suspended, "again", LATER)
    reinstated = domain.reinstate(suspended, LATER)
    assert reinstated.organisation.status is Status.MEMBER
    assert reinstated.organisation.joined_at == NOW  # a reinstatement is not a new join
    with pytest.raises(NotSuspended):
        domain.reinstate(reinstated.organisation, LATER)


@pytest.mark.parametrize("suspended", [False, True])
def test_a_member_can_leave_even_while_suspended_and_it_is_announced(suspended: bool) -> None:
    member = a_member()
    if suspended:
        member = domain.suspend(member, "reason", NOW).organisation
    change = domain.leave(member, LeaveReason.WITHDREW, LATER)
    assert change.organisation.status is Status.LEFT
    assert contract_events(change) == [
        contracts.MemberLeft(organisation_id=member.id, reason=contracts.LeaveReason.WITHDREW, left_at=LATER)
    ]


def test_an_application_cannot_leave() -> None:
    with pytest.raises(NotAMember, match="only a member"):
        domain.leave(an_application(), LeaveReason.WITHDREW, NOW)


def test_an_unchanged_profile_is_no_change_and_a_former_member_has_none_to_change() -> None:
    member = a_member()
    assert domain.change_profile(member, PROFILE) is None
    renamed = domain.change_profile(member, Profile("Gemeente Utrecht-Zuid", member.kind, (), None))
    assert renamed is not None and renamed.organisation.name == "Gemeente Utrecht-Zuid"
    former = domain.leave(member, LeaveReason.REMOVED, LATER).organisation
    with pytest.raises(NoLongerInTheNetwork):
        domain.change_profile(former, PROFILE)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (OrganisationKind, contracts.OrganisationKind),
        (LeaveReason, contracts.LeaveReason),
        (PolicyDomain, contracts.PolicyDomain),
        (SizeClass, contracts.SizeClass),
        (people.Role, contracts.Role),
        (people.RoleEndReason, contracts.RoleEndReason),
    ],
)
def test_every_value_of_the_domain_has_its_word_in_the_contracts(ours: type, theirs: type) -> None:
    assert {m.value for m in ours} == {m.value for m in theirs}
