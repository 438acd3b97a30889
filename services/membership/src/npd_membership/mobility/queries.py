"""What the mobility API reads: opportunities (open ones by default, expiry applied at query time), who is
interested in one (for the offering organisation), a person's own interests, and the interests an
organisation's people chose to share with it."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.mobility.domain import Interest, Opportunity, OpportunityKind, OpportunityStatus
from npd_membership.models import INTERESTS, OPPORTUNITIES, opportunities, opportunity_interests, organisations, people


@dataclass(frozen=True)
class Interested:
    """An interest as the offering organisation (or, when shared, the person's own) sees it."""

    interest: Interest
    name: str
    organisation_id: UUID | None
    organisation_name: str | None
    opportunity_title: str


async def list_opportunities(
    session: AsyncSession,
    now: datetime,
    *,
    kind: OpportunityKind | None,
    organisation_id: UUID | None,
    include_closed: bool,
    limit: int,
    offset: int,
) -> tuple[list[Opportunity], int]:
    where: ColumnElement[bool] = true()
    if not include_closed:
        where = (opportunities.c.status == OpportunityStatus.OPEN) & (opportunities.c.expires_at > now)
    if kind is not None:
        where = where & (opportunities.c.kind == kind)
    if organisation_id is not None:
        where = where & (opportunities.c.organisation_id == organisation_id)
    total = await session.scalar(select(func.count()).select_from(opportunities).where(where))
    stmt = OPPORTUNITIES.select().where(where).order_by(opportunities.c.published_at.desc(), opportunities.c.id)
    return await OPPORTUNITIES.all(session, stmt.limit(limit).offset(offset)), int(total or 0)


def _interested() -> Select[tuple[object, ...]]:
    return (
        select(
            *INTERESTS.table.c,
            people.c.name.label("person_name"),
            people.c.organisation_id.label("person_organisation_id"),
            organisations.c.name.label("organisation_name"),
            opportunities.c.title.label("opportunity_title"),
        )
        .join(people, people.c.id == opportunity_interests.c.person_id)
        .outerjoin(organisations, organisations.c.id == people.c.organisation_id)
        .join(opportunities, opportunities.c.id == opportunity_interests.c.opportunity_id)
    )


async def _load(session: AsyncSession, stmt: Select[tuple[object, ...]]) -> list[Interested]:
    rows = await session.execute(stmt.order_by(opportunity_interests.c.expressed_at, opportunity_interests.c.id))
    return [
        Interested(INTERESTS.load(r), r.person_name, r.person_organisation_id, r.organisation_name, r.opportunity_title)
        for r in rows
    ]


async def interested_in(session: AsyncSession, opportunity_id: UUID) -> list[Interested]:
    return await _load(session, _interested().where(opportunity_interests.c.opportunity_id == opportunity_id))


async def interests_of(session: AsyncSession, person_id: str) -> list[Interested]:
    return await _load(session, _interested().where(opportunity_interests.c.person_id == person_id))


async def shared_with(session: AsyncSession, organisation_id: UUID) -> list[Interested]:
    """Interests of the organisation's own people that they chose to share with it."""
    where = (people.c.organisation_id == organisation_id) & opportunity_interests.c.share_with_own_organisation
    return await _load(session, _interested().where(where))
