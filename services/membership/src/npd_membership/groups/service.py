"""Group use cases: create, change and archive groups; join, approve, leave, remove and appoint chairs. Each
takes the caller's session, locks the group it changes and writes its events to the outbox; nothing here
commits. Who chairs a group is read from `group_members`: membership is the source of truth for it.
"""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import npd_contracts as contracts
from npd_runtime import Principal, changed_fields, publish
from sqlalchemy import and_, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.groups import domain
from npd_membership.groups.domain import (
    Details,
    Group,
    GroupKind,
    GroupLeaveReason,
    GroupMembership,
    GroupRole,
    MembershipStatus,
    Roster,
)
from npd_membership.models import GROUP_MEMBERS, GROUPS, ORGANISATIONS, group_members
from npd_membership.organisations.domain import Status
from npd_membership.people import service as people
from npd_membership.people.domain import PersonStatus


class GroupNotFound(LookupError):
    def __init__(self, group_id: UUID) -> None:
        super().__init__(f"group {group_id} does not exist")


class DuplicateGroupName(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"an active group is already named {name!r}")


class NotAChair(PermissionError):
    def __init__(self, group_id: UUID, wanted: str) -> None:
        super().__init__(f"only a chair of group {group_id} or a network admin can {wanted}")


class NotEligible(PermissionError):
    def __init__(self, person_id: str, why: str) -> None:
        super().__init__(f"person {person_id!r} cannot be in a group: {why}")


def _now() -> datetime:
    return datetime.now(UTC)


def _joined(m: GroupMembership) -> contracts.PersonJoinedGroup:
    assert m.joined_at is not None
    return contracts.PersonJoinedGroup(
        person_id=m.person_id, group_id=m.group_id, role=contracts.GroupRole(m.role), joined_at=m.joined_at
    )


def _left(left: domain.LeftGroup) -> contracts.PersonLeftGroup:
    m = left.membership
    reason = contracts.GroupLeaveReason(left.reason)
    return contracts.PersonLeftGroup(person_id=m.person_id, group_id=m.group_id, reason=reason, left_at=left.at)


def contract_events(change: domain.Change) -> list[contracts.EventData]:
    """The events that announce a change: the only place where the groups domain meets the contracts."""
    match change:
        case domain.Created(group=g, chairs=chairs):
            created = contracts.GroupCreated(
                group_id=g.id,
                name=g.name,
                kind=contracts.GroupKind(g.kind),
                topic=g.topic,
                joining=contracts.JoinPolicy(g.joining),
                created_at=g.created_at,
            )
            return [created, *(_joined(m) for m in chairs)]
        case domain.Changed(group=g, announced=True):
            joining = contracts.JoinPolicy(g.joining)
            return [
                contracts.GroupChanged(group_id=g.id, name=g.name, topic=g.topic, joining=joining, changed_at=_now())
            ]
        case domain.Archived(group=g, left=left):
            # Members leave before the group goes, so no consumer sees a member of a group that is gone.
            assert g.archived_at is not None
            return [*(_left(x) for x in left), contracts.GroupArchived(group_id=g.id, archived_at=g.archived_at)]
        case domain.Joined(membership=m) | domain.Approved(membership=m):
            return [_joined(m)]
        case domain.LeftGroup():
            return [_left(change)]
        case domain.RoleChanged(membership=m, at=at):
            role = contracts.GroupRole(m.role)
            return [
                contracts.PersonGroupRoleChanged(person_id=m.person_id, group_id=m.group_id, role=role, changed_at=at)
            ]
        case domain.Changed() | domain.Requested() | domain.Withdrawn():
            return []


async def get_group(session: AsyncSession, group_id: UUID, *, for_update: bool = False) -> Group:
    group = await GROUPS.get(session, group_id, for_update=for_update)
    if group is None:
        raise GroupNotFound(group_id)
    return group


async def membership_of(session: AsyncSession, group_id: UUID, person_id: str) -> GroupMembership | None:
    return await GROUP_MEMBERS.get(session, (group_id, person_id))


async def is_chair(session: AsyncSession, group_id: UUID, person_id: str) -> bool:
    m = await membership_of(session, group_id, person_id)
    return m is not None and m.status is MembershipStatus.ACTIVE and m.role is GroupRole.CHAIR


async def _require_chair(session: AsyncSession, group: Group, by: Principal, wanted: str) -> None:
    if not by.is_network_admin and not await is_chair(session, group.id, by.person_id):
        raise NotAChair(group.id, wanted)


async def _require_eligible(session: AsyncSession, person_id: str) -> None:
    """Only active people take part: of an organisation that is a member (not suspended), or network staff."""
    person = await people.get_person(session, person_id)
    if person.status is not PersonStatus.ACTIVE:
        raise NotEligible(person_id, f"they are {person.status.value}")
    if person.organisation_id is not None:
        org = await ORGANISATIONS.get(session, person.organisation_id)
        if org is None or org.status is not Status.MEMBER:
            raise NotEligible(person_id, "their organisation is not a member of the network (now)")


_ACTIVE = group_members.c.status == MembershipStatus.ACTIVE
_ROSTER = select(
    func.count().filter(_ACTIVE), func.count().filter(and_(_ACTIVE, group_members.c.role == GroupRole.CHAIR))
)


async def _roster(session: AsyncSession, group_id: UUID) -> Roster:
    members, chairs = (await session.execute(_ROSTER.where(group_members.c.group_id == group_id))).one()
    return Roster(members=members, chairs=chairs)


async def create_group(session: AsyncSession, kind: GroupKind, details: Details, chairs: tuple[str, ...]) -> Group:
    """A network admin creates a group; its first chairs, if named, join it at once."""
    change = domain.create(uuid4(), kind, details, chairs, _now())
    for chair in change.chairs:
        await _require_eligible(session, chair.person_id)
    try:
        async with session.begin_nested():
            await GROUPS.insert(session, [change.group])
    except IntegrityError:
        raise DuplicateGroupName(change.group.name) from None
    await GROUP_MEMBERS.insert(session, change.chairs)
    await publish(session, *contract_events(change))
    return change.group


# Every use case that changes a group or who is in it locks the group's row first: that orders concurrent
# changes to one group (two approvals, a leave and an archive), and the last-chair rule counts a stable roster.


async def change_group(session: AsyncSession, group_id: UUID, details: Details, *, by: Principal) -> Group:
    group = await get_group(session, group_id, for_update=True)
    await _require_chair(session, group, by, "change it")
    change = domain.change(group, details)
    if change is None:
        return group
    try:
        async with session.begin_nested():
            fields = changed_fields(group, change.group)
            await GROUPS.update(session, change.group, *fields, events=contract_events(change))
    except IntegrityError:
        raise DuplicateGroupName(change.group.name) from None
    return change.group


async def archive_group(session: AsyncSession, group_id: UUID) -> Group:
    group = await get_group(session, group_id, for_update=True)
    memberships = await GROUP_MEMBERS.all(
        session, GROUP_MEMBERS.select().where(group_members.c.group_id == group_id).order_by(group_members.c.person_id)
    )
    change = domain.archive(group, tuple(memberships), _now())
    await session.execute(delete(group_members).where(group_members.c.group_id == group_id))
    await GROUPS.update(session, change.group, "status", "archived_at")
    # Through publish() (one executemany), not update(events=...): that builds and caches a statement per
    # event count, and a large group's events would exceed PostgreSQL's bind parameters in one statement.
    await publish(session, *contract_events(change))
    return change.group


async def join_group(session: AsyncSession, group_id: UUID, person_id: str) -> GroupMembership:
    """The person joins (an open group) or asks to (any other)."""
    group = await get_group(session, group_id, for_update=True)
    existing = await membership_of(session, group_id, person_id)
    change = domain.join(group, existing, person_id, _now())
    try:
        await _require_eligible(session, person_id)
    except people.PersonNotFound:
        # The caller is asking for themselves: not being in the network is a refusal, not a missing resource.
        raise NotEligible(person_id, "they are not in the network") from None
    await GROUP_MEMBERS.insert(session, [change.membership])
    await publish(session, *contract_events(change))
    return change.membership


async def approve_request(session: AsyncSession, group_id: UUID, person_id: str, *, by: Principal) -> GroupMembership:
    group = await get_group(session, group_id, for_update=True)
    await _require_chair(session, group, by, "approve requests to join it")
    change = domain.approve(group, await membership_of(session, group_id, person_id), person_id, _now())
    # They asked while they could; whether they still may is decided now.
    await _require_eligible(session, person_id)
    await GROUP_MEMBERS.update(session, change.membership, "status", "joined_at", events=contract_events(change))
    return change.membership


async def leave_group(session: AsyncSession, group_id: UUID, person_id: str, *, by: Principal) -> None:
    """The person leaves (or withdraws their request); a chair or network admin removes someone (or declines
    their request)."""
    group = await get_group(session, group_id, for_update=True)
    if person_id != by.person_id:
        await _require_chair(session, group, by, "remove someone from it")
    reason = GroupLeaveReason.LEFT if person_id == by.person_id else GroupLeaveReason.REMOVED
    membership = await membership_of(session, group_id, person_id)
    change = domain.leave(group, membership, person_id, reason, await _roster(session, group_id), _now())
    where = and_(group_members.c.group_id == group_id, group_members.c.person_id == person_id)
    await session.execute(delete(group_members).where(where))
    await publish(session, *contract_events(change))


async def change_role(
    session: AsyncSession, group_id: UUID, person_id: str, role: GroupRole, *, by: Principal
) -> GroupMembership:
    group = await get_group(session, group_id, for_update=True)
    await _require_chair(session, group, by, "appoint or dismiss its chairs")
    membership = await membership_of(session, group_id, person_id)
    change = domain.change_role(group, membership, person_id, role, await _roster(session, group_id), _now())
    if change is None:
        assert membership is not None
        return membership
    await GROUP_MEMBERS.update(session, change.membership, "role", events=contract_events(change))
    return change.membership
