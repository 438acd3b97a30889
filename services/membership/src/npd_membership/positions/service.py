"""Position use cases: draft, revise, circulate, vote, publish, remind; and organisations' mandates. Each takes
the caller's session, locks the position it changes and writes its events to the outbox; nothing here commits.
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from npd_contracts import EventData
from npd_contracts import positions as contracts
from npd_runtime import Principal
from sqlalchemy import Select, and_, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.groups import service as groups
from npd_membership.groups.domain import GroupStatus
from npd_membership.models import (
    POSITION_BALLOTS,
    POSITION_VERSIONS,
    POSITIONS,
    organisation_mandates,
    organisations,
    people,
    person_roles,
    position_addressees,
    position_ballots,
    positions,
)
from npd_membership.organisations.domain import Status
from npd_membership.people.domain import PersonStatus, Role
from npd_membership.positions import domain
from npd_membership.positions.domain import Ballot, Position, PositionStatus, PositionVersion, Vote


class PositionNotFound(LookupError):
    def __init__(self, position_id: UUID) -> None:
        super().__init__(f"position {position_id} does not exist")


class NotADrafter(PermissionError):
    def __init__(self, group_id: UUID, wanted: str) -> None:
        super().__init__(f"only people of group {group_id} (its chairs to {wanted}) or network admins can {wanted}")


class NotMandated(PermissionError):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__(
            f"only the person mandated by organisation {organisation_id} (by default its board members, else its "
            "admins) can vote for it"
        )


class GroupClosed(Exception):
    def __init__(self, group_id: UUID) -> None:
        super().__init__(f"group {group_id} is archived and cannot draft positions")


class NotInOrganisation(Exception):
    def __init__(self, person_id: str, organisation_id: UUID) -> None:
        super().__init__(f"person {person_id!r} is not an active person of organisation {organisation_id}")


def _now() -> datetime:
    return datetime.now(UTC)


def may_see(position: Position, principal: Principal) -> bool:
    """A draft is its group's (and network admins'); a circulating or published position is the network's."""
    if principal.is_network_admin or principal.in_group(position.group_id):
        return principal.in_network
    return principal.in_network and position.status is not PositionStatus.DRAFT


async def get_position(
    session: AsyncSession, position_id: UUID, by: Principal | None = None, *, for_update: bool = False
) -> Position:
    """The position; with `by`, only when they may see it (else it does not exist for them)."""
    position = await POSITIONS.get(session, position_id, for_update=for_update)
    if position is None or (by is not None and not may_see(position, by)):
        raise PositionNotFound(position_id)
    return position


def _require(position: Position, by: Principal, *, chair: bool, wanted: str) -> None:
    allowed = by.chairs(position.group_id) if chair else by.in_group(position.group_id)
    if not (by.is_network_admin or allowed):
        raise NotADrafter(position.group_id, wanted)


def _version_event(change: domain.Drafted | domain.Revised) -> EventData:
    p, v = change.position, change.version
    if isinstance(change, domain.Drafted):
        return contracts.PositionDrafted(position_id=p.id, group_id=p.group_id, title=p.title, drafted_at=v.created_at)
    return contracts.PositionRevised(position_id=p.id, title=p.title, version=v.number, revised_at=v.created_at)


async def draft_position(session: AsyncSession, group_id: UUID, title: str, text: str, *, by: Principal) -> Position:
    group = await groups.get_group(session, group_id)
    if not (by.is_network_admin or by.in_group(group_id)):
        raise NotADrafter(group_id, "draft a position for it")
    if group.status is not GroupStatus.ACTIVE:
        raise GroupClosed(group_id)
    change = domain.draft(uuid4(), group_id, title, text, by.person_id, _now())
    await POSITIONS.insert(session, [change.position])
    await POSITION_VERSIONS.insert(session, [change.version], events=[_version_event(change)])
    return change.position


async def revise_position(
    session: AsyncSession, position_id: UUID, title: str, text: str, note: str, *, by: Principal
) -> Position:
    position = await get_position(session, position_id, by, for_update=True)
    _require(position, by, chair=False, wanted="revise it")
    change = domain.revise(position, title, text, note, by.person_id, _now())
    await POSITIONS.update(session, change.position, "title", "version")
    await POSITION_VERSIONS.insert(session, [change.version], events=[_version_event(change)])
    return change.position


async def circulate(session: AsyncSession, position_id: UUID, deadline: datetime, *, by: Principal) -> Position:
    position = await get_position(session, position_id, by, for_update=True)
    _require(position, by, chair=True, wanted="circulate it")
    members = select(organisations.c.id).where(organisations.c.status == Status.MEMBER)
    change = domain.circulate(position, deadline, tuple((await session.scalars(members)).all()), _now())
    p = change.position
    assert p.deadline is not None and p.circulated_at is not None
    await session.execute(
        insert(position_addressees), [{"position_id": p.id, "organisation_id": o} for o in change.organisations]
    )
    event = contracts.PositionCirculated(
        position_id=p.id,
        group_id=p.group_id,
        title=p.title,
        version=p.version,
        deadline=p.deadline,
        organisation_ids=list(change.organisations),
        circulated_at=p.circulated_at,
    )
    await POSITIONS.update(session, p, "status", "deadline", "circulated_at", events=[event])
    return p


async def mandated(session: AsyncSession, organisation_id: UUID) -> tuple[str, ...]:
    """Who may vote for the organisation: its mandated person; without one, its board members; without
    those, its admins. Only active people count."""
    active = and_(people.c.status == PersonStatus.ACTIVE, people.c.organisation_id == organisation_id)
    chosen = (
        select(organisation_mandates.c.person_id)
        .join(people, people.c.id == organisation_mandates.c.person_id)
        .where(organisation_mandates.c.organisation_id == organisation_id, active)
    )
    found = tuple((await session.scalars(chosen)).all())
    for role in (Role.BOARD_MEMBER, Role.ORG_ADMIN):
        if found:
            break
        holders = (
            select(person_roles.c.person_id)
            .join(people, people.c.id == person_roles.c.person_id)
            .where(person_roles.c.organisation_id == organisation_id, person_roles.c.role == role, active)
            .order_by(person_roles.c.person_id)
        )
        found = tuple((await session.scalars(holders)).all())
    return found


async def _addressed(session: AsyncSession, position_id: UUID, organisation_id: UUID) -> bool:
    where = and_(
        position_addressees.c.position_id == position_id, position_addressees.c.organisation_id == organisation_id
    )
    return bool(await session.scalar(select(exists().where(where))))


def _vote_event(ballot: Ballot) -> EventData:
    if ballot.vote is Vote.ABSTAIN:
        return contracts.PositionAbstained(
            position_id=ballot.position_id,
            organisation_id=ballot.organisation_id,
            version=ballot.version,
            abstained_at=ballot.cast_at,
        )
    return contracts.PositionEndorsed(
        position_id=ballot.position_id,
        organisation_id=ballot.organisation_id,
        endorsement=contracts.Endorsement(ballot.vote.value),
        version=ballot.version,
        endorsed_at=ballot.cast_at,
    )


async def vote(
    session: AsyncSession, position_id: UUID, organisation_id: UUID, choice: Vote, remark: str, *, by: Principal
) -> Ballot:
    position = await get_position(session, position_id, by, for_update=True)
    if by.person_id not in await mandated(session, organisation_id):
        raise NotMandated(organisation_id)
    addressed = await _addressed(session, position_id, organisation_id)
    change = domain.vote(position, addressed, organisation_id, choice, remark, by.person_id, _now())
    await POSITION_BALLOTS.insert(session, [change.ballot], events=[_vote_event(change.ballot)])
    return change.ballot


def latest_ballots(position_id: UUID) -> Select[Any]:
    """Each organisation's latest ballot on the position."""
    b = position_ballots.c
    latest = select(func.max(b.seq)).where(b.position_id == position_id).group_by(b.organisation_id)
    return POSITION_BALLOTS.select().where(b.seq.in_(latest))


async def publish_position(session: AsyncSession, position_id: UUID, public: bool, *, by: Principal) -> Position:
    position = await get_position(session, position_id, by, for_update=True)
    _require(position, by, chair=True, wanted="publish it")
    votes = tuple(await POSITION_BALLOTS.all(session, latest_ballots(position_id)))
    change = domain.publish(position, votes, public, _now())
    p = change.position
    assert p.published_at is not None
    event = contracts.PositionPublished(
        position_id=p.id,
        group_id=p.group_id,
        title=p.title,
        version=p.version,
        public=p.public,
        endorsing_organisation_ids=list(change.endorsing),
        published_at=p.published_at,
    )
    await POSITIONS.update(session, p, "status", "public", "published_at", events=[event])
    return p


async def remind_due(session: AsyncSession, now: datetime, lead: timedelta) -> int:
    """Circulating positions whose deadline is within `lead` and that were not reminded yet: one
    PositionReminderDue per organisation that has not voted. Rows are locked (others skipped), so replicas
    sweeping at once remind once."""
    due = (
        POSITIONS.select()
        .where(
            positions.c.status == PositionStatus.CIRCULATING,
            positions.c.reminded_at.is_(None),
            positions.c.deadline > now,
            positions.c.deadline <= now + lead,
        )
        .with_for_update(skip_locked=True)
    )
    reminded = 0
    for position in await POSITIONS.all(session, due):
        voted = select(position_ballots.c.organisation_id).where(position_ballots.c.position_id == position.id)
        silent_orgs = select(position_addressees.c.organisation_id).where(
            position_addressees.c.position_id == position.id, position_addressees.c.organisation_id.not_in(voted)
        )
        silent = tuple([(o, await mandated(session, o)) for o in (await session.scalars(silent_orgs)).all()])
        change = domain.remind(position, silent, lead.total_seconds(), now)
        if change is None:
            continue
        assert position.deadline is not None
        events = [
            contracts.PositionReminderDue(
                position_id=position.id,
                organisation_id=org,
                title=position.title,
                deadline=position.deadline,
                mandated_person_ids=list(who),
                reminded_at=now,
            )
            for org, who in change.organisations
        ]
        await POSITIONS.update(session, change.position, "reminded_at", events=events)
        reminded += 1
    return reminded


async def set_mandate(session: AsyncSession, organisation_id: UUID, person_id: str, *, by: Principal) -> None:
    """The organisation's admins name the one person who votes for it on positions."""
    where = and_(people.c.id == person_id, people.c.organisation_id == organisation_id, people.c.status == "active")
    if not await session.scalar(select(exists().where(where))):
        raise NotInOrganisation(person_id, organisation_id)
    values = {"person_id": person_id, "granted_by": by.person_id, "granted_at": _now()}
    stmt = insert(organisation_mandates).values(organisation_id=organisation_id, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["organisation_id"], set_=values))


async def end_mandate(session: AsyncSession, organisation_id: UUID) -> None:
    await session.execute(
        delete(organisation_mandates).where(organisation_mandates.c.organisation_id == organisation_id)
    )


async def versions(session: AsyncSession, position_id: UUID) -> list[PositionVersion]:
    stmt = POSITION_VERSIONS.select().where(POSITION_VERSIONS.table.c.position_id == position_id)
    return await POSITION_VERSIONS.all(session, stmt.order_by(POSITION_VERSIONS.table.c.number))


async def version(session: AsyncSession, position_id: UUID, number: int) -> PositionVersion:
    found = await POSITION_VERSIONS.get(session, (position_id, number))
    if found is None:
        raise domain.NoSuchVersion(position_id, number)
    return found


async def erase_person(session: AsyncSession, person_id: str) -> None:
    """PersonErased, within membership: votes stay the organisation's, without who cast them; a mandate ends."""
    await session.execute(
        update(position_ballots).where(position_ballots.c.by_person_id == person_id).values(by_person_id=None)
    )
    await session.execute(
        update(POSITION_VERSIONS.table).where(POSITION_VERSIONS.table.c.author_id == person_id).values(author_id=None)
    )
    await session.execute(update(positions).where(positions.c.created_by == person_id).values(created_by=None))
    await session.execute(delete(organisation_mandates).where(organisation_mandates.c.person_id == person_id))


async def has_mandate(session: AsyncSession, organisation_id: UUID) -> bool:
    where = organisation_mandates.c.organisation_id == organisation_id
    return bool(await session.scalar(select(exists().where(where))))
