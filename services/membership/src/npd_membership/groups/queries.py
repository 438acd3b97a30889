"""What the groups API reads: groups with their member counts and chairs, and who is in a group. Reads only;
the use cases that change groups are in service.py.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from npd_runtime import Principal
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.groups.domain import Group, GroupKind, GroupRole, GroupStatus, MembershipStatus, NotInGroup
from npd_membership.groups.service import NotAChair, get_group, is_chair
from npd_membership.models import GROUPS, group_members, groups, people


@dataclass(frozen=True)
class Member:
    """Someone in a group (or asking to be), as the member list shows them."""

    person_id: str
    name: str
    organisation_id: UUID | None
    role: GroupRole
    status: MembershipStatus
    requested_at: datetime
    joined_at: datetime | None


@dataclass(frozen=True)
class GroupView:
    group: Group
    member_count: int
    chairs: tuple[Member, ...] = ()


@dataclass(frozen=True)
class Filters:
    status: GroupStatus = GroupStatus.ACTIVE
    kind: GroupKind | None = None
    topic: str | None = None
    name: str | None = None


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [groups.c.status == filters.status]
    if filters.kind:
        where.append(groups.c.kind == filters.kind)
    if filters.topic:
        # Topics are free text ("Audit", "audit"): one topic whatever its capitals.
        where.append(func.lower(groups.c.topic) == " ".join(filters.topic.split()).lower())
    if filters.name:
        where.append(groups.c.name.ilike(_contains(filters.name)))
    return where


_COUNTS = (
    select(group_members.c.group_id, func.count().label("member_count"))
    .where(group_members.c.status == MembershipStatus.ACTIVE)
    .group_by(group_members.c.group_id)
    .subquery()
)


def _with_counts() -> Select[tuple[object, ...]]:
    counted = GROUPS.select().add_columns(func.coalesce(_COUNTS.c.member_count, 0).label("member_count"))
    return counted.select_from(groups.outerjoin(_COUNTS, _COUNTS.c.group_id == groups.c.id))


async def list_groups(
    session: AsyncSession, filters: Filters, *, limit: int, offset: int
) -> tuple[list[GroupView], int]:
    where = _where(filters)
    total = (await session.execute(select(func.count()).select_from(groups).where(*where))).scalar_one()
    page = _with_counts().where(*where).order_by(groups.c.name, groups.c.id).limit(limit).offset(offset)
    rows = await session.execute(page)
    return [GroupView(GROUPS.load(row), row.member_count) for row in rows], total


_MEMBERS = select(
    group_members.c.person_id,
    people.c.name,
    people.c.organisation_id,
    group_members.c.role,
    group_members.c.status,
    group_members.c.requested_at,
    group_members.c.joined_at,
).join(people, people.c.id == group_members.c.person_id)


def _member(row: object) -> Member:
    return Member(**row._mapping)  # type: ignore[attr-defined]


async def group_view(session: AsyncSession, group_id: UUID) -> GroupView:
    group = await get_group(session, group_id)
    active = (group_members.c.group_id == group_id, group_members.c.status == MembershipStatus.ACTIVE)
    chairs = await session.execute(
        _MEMBERS.where(*active, group_members.c.role == GroupRole.CHAIR).order_by(people.c.name, people.c.id)
    )
    count = (await session.execute(select(func.count()).select_from(group_members).where(*active))).scalar_one()
    return GroupView(group, count, tuple(_member(r) for r in chairs))


async def member(session: AsyncSession, group_id: UUID, person_id: str) -> Member:
    where = (group_members.c.group_id == group_id, group_members.c.person_id == person_id)
    row = (await session.execute(_MEMBERS.where(*where))).first()
    if row is None:
        raise NotInGroup(group_id, person_id)
    return _member(row)


async def list_members(
    session: AsyncSession, group_id: UUID, status: MembershipStatus, *, by: Principal, limit: int, offset: int
) -> tuple[Sequence[Member], int]:
    """Members (chairs first, then by name) or pending requests (oldest first) of an existing group; who asked
    to join is for its chairs and network admins to see."""
    await get_group(session, group_id)
    requests = status is MembershipStatus.REQUESTED
    if requests and not by.is_network_admin and not await is_chair(session, group_id, by.person_id):
        raise NotAChair(group_id, "see who asked to join it")
    where = [group_members.c.group_id == group_id, group_members.c.status == status]
    total = (await session.execute(select(func.count()).select_from(group_members).where(*where))).scalar_one()
    # Roles sort as text: "chair" before "member".
    order = (
        [group_members.c.role, people.c.name, group_members.c.person_id]
        if status is MembershipStatus.ACTIVE
        else [group_members.c.requested_at, group_members.c.person_id]
    )
    rows = await session.execute(_MEMBERS.where(*where).order_by(*order).limit(limit).offset(offset))
    return [_member(row) for row in rows], total
