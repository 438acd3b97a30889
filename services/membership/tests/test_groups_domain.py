from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import npd_contracts as contracts
import pytest
from npd_membership.groups import domain
from npd_membership.groups.domain import (
    AlreadyMember,
    AlreadyRequested,
    Details,
    GroupIsArchived,
    GroupKind,
    GroupLeaveReason,
    GroupMembership,
    GroupRole,
    GroupStatus,
    JoinPolicy,
    LastChair,
    MembershipStatus,
    NotInGroup,
    NotRequested,
    RequestPending,
    Roster,
)
from npd_membership.groups.service import contract_events

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
DETAILS = Details(" Werkgroep   Audit ", "  Audit ", " Internal audit. ", JoinPolicy.OPEN)


def a_group(joining: JoinPolicy = JoinPolicy.OPEN) -> domain.Group:
    return domain.create(uuid4(), GroupKind.WORKING_GROUP, replace(DETAILS, joining=joining), (), NOW).group


def in_group(group: domain.Group, person_id: str, role: GroupRole = GroupRole.MEMBER) -> GroupMembership:
    return GroupMembership(group.id, person_id, role, MembershipStatus.ACTIVE, NOW, NOW)


def test_creating_a_group_spells_its_name_once_and_announces_it_then_its_first_chairs() -> None:
    change = domain.create(uuid4(), GroupKind.EXPERT_COMMUNITY, DETAILS, ("p-2", "p-1", "p-2"), NOW)
    group = change.group
    assert (group.name, group.topic, group.description) == ("Werkgroep Audit", "Audit", "Internal audit.")
    assert group.status is GroupStatus.ACTIVE
    assert [m.person_id for m in change.chairs] == ["p-2", "p-1"]
    created, *joined = contract_events(change)
    assert created == contracts.GroupCreated(
        group_id=group.id,
        name="Werkgroep Audit",
        kind=contracts.GroupKind.EXPERT_COMMUNITY,
        topic="Audit",
        joining=contracts.JoinPolicy.OPEN,
        created_at=NOW,
    )
    assert joined == [
        contracts.PersonJoinedGroup(person_id=p, group_id=group.id, role=contracts.GroupRole.CHAIR, joined_at=NOW)
        for p in ("p-2", "p-1")
    ]


def test_unchanged_details_are_no_change_and_a_new_description_alone_is_not_announced() -> None:
    group = a_group()
    assert domain.change(group, DETAILS) is None
    described = domain.change(group, Details(group.name, group.topic, "Now with risk.", group.joining))
    assert described is not None and described.group.description == "Now with risk."
    assert contract_events(described) == []


def test_a_new_name_topic_or_join_policy_is_announced_with_the_whole_description() -> None:
    change = domain.change(a_group(), Details("Werkgroep HR", "HR", "People.", JoinPolicy.APPROVAL))
    assert change is not None
    [event] = contract_events(change)
    assert isinstance(event, contracts.GroupChanged)
    assert (event.name, event.topic, event.joining) == ("Werkgroep HR", "HR", contracts.JoinPolicy.APPROVAL)


def test_an_open_group_is_joined_at_once_and_announced() -> None:
    group = a_group()
    change = domain.join(group, None, "p-1", NOW)
    assert isinstance(change, domain.Joined)
    assert change.membership.status is MembershipStatus.ACTIVE
    assert contract_events(change) == [
        contracts.PersonJoinedGroup(person_id="p-1", group_id=group.id, role=contracts.GroupRole.MEMBER, joined_at=NOW)
    ]


def test_a_group_that_needs_approval_takes_a_request_and_announces_nothing_until_it_is_approved() -> None:
    group = a_group(JoinPolicy.APPROVAL)
    requested = domain.join(group, None, "p-1", NOW)
    assert isinstance(requested, domain.Requested)
    assert requested.membership.joined_at is None
    assert contract_events(requested) == []
    approved = domain.approve(group, requested.membership, "p-1", LATER)
    assert approved.membership.status is MembershipStatus.ACTIVE
    assert [type(e) for e in contract_events(approved)] == [contracts.PersonJoinedGroup]
    assert contract_events(approved)[0].joined_at == LATER  # type: ignore[attr-defined]


def test_joining_twice_or_asking_twice_is_refused() -> None:
    group = a_group(JoinPolicy.APPROVAL)
    with pytest.raises(AlreadyMember):
        domain.join(group, in_group(group, "p-1"), "p-1", NOW)
    request = domain.join(group, None, "p-2", NOW).membership
    with pytest.raises(AlreadyRequested):
        domain.join(group, request, "p-2", NOW)


def test_only_a_request_can_be_approved() -> None:
    group = a_group(JoinPolicy.APPROVAL)
    with pytest.raises(NotRequested):
        domain.approve(group, None, "p-1", NOW)
    with pytest.raises(AlreadyMember):
        domain.approve(group, in_group(group, "p-1"), "p-1", NOW)


def test_an_archived_group_changes_no_more() -> None:
    group = domain.archive(a_group(), (), NOW).group
    member = in_group(group, "p-1")
    refusals = [
        lambda: domain.change(group, DETAILS),
        lambda: domain.archive(group, (), NOW),
        lambda: domain.join(group, None, "p-2", NOW),
        lambda: domain.approve(group, None, "p-2", NOW),
        lambda: domain.leave(group, member, "p-1", GroupLeaveReason.LEFT, Roster(1, 0), NOW),
        lambda: domain.change_role(group, member, "p-1", GroupRole.CHAIR, Roster(1, 0), NOW),
    ]
    for refused in refusals:
        with pytest.raises(GroupIsArchived):
            refused()


def test_archiving_makes_every_member_leave_before_the_group_goes_and_ends_requests_quietly() -> None:
    group = a_group()
    request = GroupMembership(group.id, "p-3", GroupRole.MEMBER, MembershipStatus.REQUESTED, NOW)
    change = domain.archive(group, (in_group(group, "p-1", GroupRole.CHAIR), in_group(group, "p-2"), request), LATER)
    assert change.group.status is GroupStatus.ARCHIVED and change.group.archived_at == LATER
    assert [w.membership.person_id for w in change.withdrawn] == ["p-3"]
    *left, archived = contract_events(change)
    assert [(e.person_id, e.reason) for e in left] == [  # type: ignore[attr-defined]
        ("p-1", contracts.GroupLeaveReason.GROUP_ARCHIVED),
        ("p-2", contracts.GroupLeaveReason.GROUP_ARCHIVED),
    ]
    assert archived == contracts.GroupArchived(group_id=group.id, archived_at=LATER)


@pytest.mark.parametrize("reason", [GroupLeaveReason.LEFT, GroupLeaveReason.REMOVED])
def test_a_member_who_leaves_or_is_removed_is_announced_with_the_reason(reason: GroupLeaveReason) -> None:
    group = a_group()
    change = domain.leave(group, in_group(group, "p-1"), "p-1", reason, Roster(2, 1), LATER)
    assert contract_events(change) == [
        contracts.PersonLeftGroup(
            person_id="p-1", group_id=group.id, reason=contracts.GroupLeaveReason(reason), left_at=LATER
        )
    ]


def test_a_withdrawn_or_declined_request_ends_without_an_event() -> None:
    group = a_group(JoinPolicy.APPROVAL)
    request = domain.join(group, None, "p-1", NOW).membership
    change = domain.leave(group, request, "p-1", GroupLeaveReason.REMOVED, Roster(0, 0), NOW)
    assert isinstance(change, domain.Withdrawn)
    assert contract_events(change) == []


def test_someone_not_in_the_group_cannot_leave_it_or_change_role() -> None:
    group = a_group()
    with pytest.raises(NotInGroup):
        domain.leave(group, None, "p-1", GroupLeaveReason.LEFT, Roster(0, 0), NOW)
    with pytest.raises(NotInGroup):
        domain.change_role(group, None, "p-1", GroupRole.CHAIR, Roster(0, 0), NOW)


def test_the_last_chair_cannot_leave_or_step_down_while_others_remain_but_may_when_alone() -> None:
    group = a_group()
    chair = in_group(group, "p-1", GroupRole.CHAIR)
    with pytest.raises(LastChair):
        domain.leave(group, chair, "p-1", GroupLeaveReason.LEFT, Roster(members=3, chairs=1), NOW)
    with pytest.raises(LastChair):
        domain.change_role(group, chair, "p-1", GroupRole.MEMBER, Roster(members=3, chairs=1), NOW)
    assert domain.leave(group, chair, "p-1", GroupLeaveReason.LEFT, Roster(members=1, chairs=1), NOW)
    assert domain.change_role(group, chair, "p-1", GroupRole.MEMBER, Roster(members=3, chairs=2), NOW)


def test_a_member_becomes_a_chair_once_and_a_request_must_be_approved_first() -> None:
    group = a_group()
    change = domain.change_role(group, in_group(group, "p-1"), "p-1", GroupRole.CHAIR, Roster(2, 1), LATER)
    assert change is not None
    assert contract_events(change) == [
        contracts.PersonGroupRoleChanged(
            person_id="p-1", group_id=group.id, role=contracts.GroupRole.CHAIR, changed_at=LATER
        )
    ]
    assert domain.change_role(group, change.membership, "p-1", GroupRole.CHAIR, Roster(2, 2), LATER) is None
    request = GroupMembership(group.id, "p-2", GroupRole.MEMBER, MembershipStatus.REQUESTED, NOW)
    with pytest.raises(RequestPending):
        domain.change_role(group, request, "p-2", GroupRole.CHAIR, Roster(2, 1), NOW)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (GroupKind, contracts.GroupKind),
        (JoinPolicy, contracts.JoinPolicy),
        (GroupRole, contracts.GroupRole),
        (GroupLeaveReason, contracts.GroupLeaveReason),
    ],
)
def test_every_value_of_the_groups_domain_has_its_word_in_the_contracts(ours: type, theirs: type) -> None:
    assert [m.value for m in ours] == [m.value for m in theirs]  # type: ignore[attr-defined]
