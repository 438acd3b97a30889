"""What the positions API reads: a position with its current text and tally, each addressed organisation's
vote, the vote history and the published positions. Reads only; changes are in service.py."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from npd_runtime import Principal
from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.models import (
    POSITION_BALLOTS,
    POSITIONS,
    organisations,
    position_addressees,
    position_ballots,
    positions,
)
from npd_membership.positions.domain import ENDORSING, Ballot, Position, PositionStatus, PositionVersion, Vote
from npd_membership.positions.service import PositionNotFound, get_position, latest_ballots, version


@dataclass(frozen=True)
class Tally:
    addressed: int
    endorse: int
    endorse_with_remark: int
    abstain: int

    @property
    def pending(self) -> int:
        return self.addressed - self.endorse - self.endorse_with_remark - self.abstain


@dataclass(frozen=True)
class OrganisationVote:
    organisation_id: UUID
    organisation_name: str
    vote: Vote | None  # None: not voted (yet)
    remark: str
    version: int | None
    cast_at: datetime | None


@dataclass(frozen=True)
class PositionView:
    position: Position
    current: PositionVersion
    tally: Tally
    endorsing: tuple[tuple[UUID, str], ...]  # of a published position: who endorsed it, by name


async def statuses(session: AsyncSession, position_id: UUID) -> list[OrganisationVote]:
    """Every organisation the position went to, by name, with its latest vote (or none)."""
    latest = latest_ballots(position_id).subquery()
    stmt = (
        select(
            organisations.c.id, organisations.c.name, latest.c.vote, latest.c.remark, latest.c.version, latest.c.cast_at
        )
        .select_from(position_addressees)
        .join(organisations, organisations.c.id == position_addressees.c.organisation_id)
        .outerjoin(latest, latest.c.organisation_id == position_addressees.c.organisation_id)
        .where(position_addressees.c.position_id == position_id)
        .order_by(organisations.c.name, organisations.c.id)
    )
    rows = await session.execute(stmt)
    return [OrganisationVote(r[0], r[1], Vote(r[2]) if r[2] else None, r[3] or "", r[4], r[5]) for r in rows]


async def view(session: AsyncSession, position: Position) -> PositionView:
    votes = await statuses(session, position.id)
    counts = Counter(v.vote for v in votes if v.vote is not None)
    tally = Tally(len(votes), counts[Vote.ENDORSE], counts[Vote.ENDORSE_WITH_REMARK], counts[Vote.ABSTAIN])
    endorsing: tuple[tuple[UUID, str], ...] = ()
    if position.status is PositionStatus.PUBLISHED:
        endorsing = tuple((v.organisation_id, v.organisation_name) for v in votes if v.vote in ENDORSING)
    return PositionView(position, await version(session, position.id, position.version), tally, endorsing)


async def position_view(session: AsyncSession, position_id: UUID, by: Principal) -> PositionView:
    return await view(session, await get_position(session, position_id, by))


async def public_view(session: AsyncSession, position_id: UUID) -> PositionView:
    position = await POSITIONS.get(session, position_id)
    if position is None or not (position.status is PositionStatus.PUBLISHED and position.public):
        raise PositionNotFound(position_id)
    return await view(session, position)


def _visible(by: Principal | None) -> ColumnElement[bool]:
    if by is None:
        return (positions.c.status == PositionStatus.PUBLISHED) & positions.c.public.is_(True)
    if by.is_network_admin:
        return true()
    if not by.in_network:
        return false()
    return or_(positions.c.status != PositionStatus.DRAFT, positions.c.group_id.in_(list(by.groups)))


async def list_positions(
    session: AsyncSession, by: Principal | None, status: PositionStatus | None, *, limit: int, offset: int
) -> tuple[list[Position], int]:
    where = _visible(by)
    if status is not None:
        where = where & (positions.c.status == status)
    total = await session.scalar(select(func.count()).select_from(positions).where(where))
    stmt = POSITIONS.select().where(where).order_by(positions.c.created_at.desc(), positions.c.id)
    return await POSITIONS.all(session, stmt.limit(limit).offset(offset)), int(total or 0)


async def ballots(session: AsyncSession, position_id: UUID) -> list[Ballot]:
    """Every vote cast on the position, oldest first: changed votes stay visible."""
    stmt = POSITION_BALLOTS.select().where(position_ballots.c.position_id == position_id)
    return await POSITION_BALLOTS.all(session, stmt.order_by(position_ballots.c.seq))
