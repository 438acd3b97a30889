"""Groups of the network (working groups, expert communities, programme teams, the board), free of I/O and
of the event contracts.

A network admin creates a group, optionally with its first chairs. People join it at once (open) or ask and
wait for a chair's approval; they leave, or a chair removes them; a chair may make a member a chair or step
back. A group whose work is done is archived: everyone in it leaves, pending requests end. Leaving a group
deletes the membership (no history is kept), so "not in the group" and "never was" are the same.

The last chair of a group cannot leave, be removed or step down while other members remain: someone must be
able to approve requests. They appoint another chair first; a network admin can always do so.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class GroupKind(StrEnum):
    WORKING_GROUP = "working_group"
    EXPERT_COMMUNITY = "expert_community"
    PROGRAMME_TEAM = "programme_team"
    BOARD = "board"


class JoinPolicy(StrEnum):
    OPEN = "open"
    APPROVAL = "approval"


class GroupStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class GroupRole(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"


class MembershipStatus(StrEnum):
    """A request waits for a chair's approval; an active membership is a member or chair."""

    REQUESTED = "requested"
    ACTIVE = "active"


class GroupLeaveReason(StrEnum):
    LEFT = "left"
    REMOVED = "removed"
    ORGANISATION_LEFT = "organisation_left"
    PERSON_LEFT = "person_left"
    GROUP_ARCHIVED = "group_archived"
    ERASED = "erased"


@dataclass(frozen=True)
class Group:
    id: UUID
    name: str
    kind: GroupKind
    topic: str
    description: str
    joining: JoinPolicy
    status: GroupStatus
    created_at: datetime
    archived_at: datetime | None = None


@dataclass(frozen=True)
class GroupMembership:
    group_id: UUID
    person_id: str
    role: GroupRole
    status: MembershipStatus
    requested_at: datetime
    joined_at: datetime | None = None


@dataclass(frozen=True)
class Details:
    """What a chair or a network admin may change about a group."""

    name: str
    topic: str
    description: str
    joining: JoinPolicy


@dataclass(frozen=True)
class Roster:
    """How many active members (chairs included) and chairs a group has: all the last-chair rule needs."""

    members: int
    chairs: int


class GroupRefused(Exception):
    """The group's or the membership's state does not allow this change."""


class GroupIsArchived(GroupRefused):
    def __init__(self, group: Group) -> None:
        super().__init__(f"group {group.id} is archived and can no longer change")


class AlreadyMember(GroupRefused):
    def __init__(self, membership: GroupMembership) -> None:
        super().__init__(f"person {membership.person_id!r} is already a {membership.role.value} of this group")


class AlreadyRequested(GroupRefused):
    def __init__(self, membership: GroupMembership) -> None:
        super().__init__(f"person {membership.person_id!r} has already asked to join this group")


class NotRequested(GroupRefused):
    def __init__(self, group_id: UUID, person_id: str) -> None:
        super().__init__(f"person {person_id!r} has not asked to join group {group_id}")


class RequestPending(GroupRefused):
    def __init__(self, membership: GroupMembership) -> None:
        super().__init__(f"person {membership.person_id!r} has only asked to join; approve them first")


class LastChair(GroupRefused):
    def __init__(self, membership: GroupMembership) -> None:
        super().__init__(
            f"person {membership.person_id!r} is the group's last chair and others remain: appoint another chair first"
        )


class NotInGroup(LookupError):
    def __init__(self, group_id: UUID, person_id: str) -> None:
        super().__init__(f"person {person_id!r} is not in group {group_id} and has not asked to join")


@dataclass(frozen=True)
class Created:
    group: Group
    chairs: tuple[GroupMembership, ...]


@dataclass(frozen=True)
class Changed:
    group: Group
    # False when only the description changed: the contracts carry no description, so nothing to announce.
    announced: bool


@dataclass(frozen=True)
class LeftGroup:
    membership: GroupMembership
    reason: GroupLeaveReason
    at: datetime


@dataclass(frozen=True)
class Withdrawn:
    """A pending request ended (withdrawn by its author, declined by a chair, or its group archived). It was
    never a membership, so nothing is announced."""

    membership: GroupMembership


@dataclass(frozen=True)
class Archived:
    group: Group
    left: tuple[LeftGroup, ...]
    withdrawn: tuple[Withdrawn, ...]


@dataclass(frozen=True)
class Joined:
    membership: GroupMembership


@dataclass(frozen=True)
class Requested:
    membership: GroupMembership


@dataclass(frozen=True)
class Approved:
    membership: GroupMembership


@dataclass(frozen=True)
class RoleChanged:
    membership: GroupMembership
    at: datetime


Change = Created | Changed | Archived | Joined | Requested | Approved | LeftGroup | Withdrawn | RoleChanged


def _normal(details: Details) -> Details:
    # One spelling per name and topic, so "unchanged" is exact and the unique name means what people read.
    return replace(details, name=" ".join(details.name.split()), topic=" ".join(details.topic.split()))


def create(id: UUID, kind: GroupKind, details: Details, chairs: tuple[str, ...], now: datetime) -> Created:
    details = _normal(details)
    group = Group(
        id=id,
        name=details.name,
        kind=kind,
        topic=details.topic,
        description=details.description.strip(),
        joining=details.joining,
        status=GroupStatus.ACTIVE,
        created_at=now,
    )
    memberships = tuple(
        GroupMembership(id, person_id, GroupRole.CHAIR, MembershipStatus.ACTIVE, now, now)
        for person_id in dict.fromkeys(chairs)
    )
    return Created(group, memberships)


def _details(group: Group) -> Details:
    return Details(group.name, group.topic, group.description, group.joining)


def _active(group: Group) -> None:
    if group.status is not GroupStatus.ACTIVE:
        raise GroupIsArchived(group)


def change(group: Group, details: Details) -> Changed | None:
    """The new details, or None when nothing changes (so a repeated PUT announces nothing)."""
    _active(group)
    details = replace(_normal(details), description=details.description.strip())
    before = _details(group)
    if details == before:
        return None
    after = replace(
        group, name=details.name, topic=details.topic, description=details.description, joining=details.joining
    )
    return Changed(after, announced=replace(details, description="") != replace(before, description=""))


def archive(group: Group, memberships: tuple[GroupMembership, ...], now: datetime) -> Archived:
    _active(group)
    active = [m for m in memberships if m.status is MembershipStatus.ACTIVE]
    pending = [m for m in memberships if m.status is MembershipStatus.REQUESTED]
    return Archived(
        replace(group, status=GroupStatus.ARCHIVED, archived_at=now),
        tuple(LeftGroup(m, GroupLeaveReason.GROUP_ARCHIVED, now) for m in active),
        tuple(Withdrawn(m) for m in pending),
    )


def join(group: Group, existing: GroupMembership | None, person_id: str, now: datetime) -> Joined | Requested:
    """The person joins an open group at once; in any other group they ask a chair."""
    _active(group)
    if existing is not None and existing.status is MembershipStatus.ACTIVE:
        raise AlreadyMember(existing)
    if existing is not None:
        raise AlreadyRequested(existing)
    if group.joining is JoinPolicy.OPEN:
        return Joined(GroupMembership(group.id, person_id, GroupRole.MEMBER, MembershipStatus.ACTIVE, now, now))
    return Requested(GroupMembership(group.id, person_id, GroupRole.MEMBER, MembershipStatus.REQUESTED, now))


def approve(group: Group, request: GroupMembership | None, person_id: str, now: datetime) -> Approved:
    _active(group)
    if request is None:
        raise NotRequested(group.id, person_id)
    if request.status is MembershipStatus.ACTIVE:
        raise AlreadyMember(request)
    return Approved(replace(request, status=MembershipStatus.ACTIVE, joined_at=now))


def _keeps_a_chair(membership: GroupMembership, roster: Roster) -> None:
    # Alone in the group, the last chair may go; with others left behind, someone must approve requests.
    if membership.role is GroupRole.CHAIR and roster.chairs <= 1 and roster.members > 1:
        raise LastChair(membership)


def leave(
    group: Group,
    membership: GroupMembership | None,
    person_id: str,
    reason: GroupLeaveReason,
    roster: Roster,
    now: datetime,
) -> LeftGroup | Withdrawn:
    """A member leaves (or is removed, by `reason`); a pending request simply ends."""
    _active(group)
    if membership is None:
        raise NotInGroup(group.id, person_id)
    if membership.status is MembershipStatus.REQUESTED:
        return Withdrawn(membership)
    _keeps_a_chair(membership, roster)
    return LeftGroup(membership, reason, now)


def change_role(
    group: Group, membership: GroupMembership | None, person_id: str, role: GroupRole, roster: Roster, now: datetime
) -> RoleChanged | None:
    """A member becomes a chair or a chair steps back; None when they already hold the role."""
    _active(group)
    if membership is None:
        raise NotInGroup(group.id, person_id)
    if membership.status is MembershipStatus.REQUESTED:
        raise RequestPending(membership)
    if membership.role is role:
        return None
    if role is GroupRole.MEMBER:
        _keeps_a_chair(membership, roster)
    return RoleChanged(replace(membership, role=role), now)
