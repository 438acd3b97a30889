"""Reading results: a KPI's figures per peer group, groups composed by users (under the same disclosure
control as publication), an organisation's own position and trend, and the named comparison among those
that consented. Nothing here commits; the entrypoint owns the transaction."""

from dataclasses import dataclass
from uuid import UUID

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark.cycles.domain import Cycle, CycleStatus, SubmissionStatus, submission_id
from npd_benchmark.cycles.service import get_cycle, now
from npd_benchmark.models import composed_releases, member_sets, peers, results, submission_values, submissions
from npd_benchmark.results.disclosure import Figures, decide
from npd_benchmark.results.publication import digest, ledger_of, universe


class NotPublished(Exception):
    def __init__(self, cycle: Cycle) -> None:
        super().__init__(f"the results of cycle {cycle.year} are not published")


class GroupRefused(Exception):
    """A composed group that may not be compared (members not opted in, or not in the cycle)."""


@dataclass(frozen=True)
class GroupFigures:
    kpi_id: str
    peer_group: str
    figures: Figures


@dataclass(frozen=True)
class TrendPoint:
    year: int
    value: float
    median: float | None


def _published(cycle: Cycle) -> None:
    if cycle.status is not CycleStatus.PUBLISHED:
        raise NotPublished(cycle)


async def figures(
    session: AsyncSession, cycle_id: UUID, kpi_id: str | None = None, group: str | None = None
) -> list[GroupFigures]:
    """The latest published figures of the cycle (one KPI, one group, or all)."""
    cycle = await get_cycle(session, cycle_id)
    _published(cycle)
    stmt = select(results.c.kpi_id, results.c.peer_group, results.c.count, results.c.stats, results.c.withheld).where(
        results.c.cycle_id == cycle_id, results.c.version == cycle.version
    )
    if kpi_id is not None:
        stmt = stmt.where(results.c.kpi_id == kpi_id)
    if group is not None:
        stmt = stmt.where(results.c.peer_group == group)
    rows = await session.execute(stmt.order_by(results.c.kpi_id, results.c.peer_group))
    return [GroupFigures(k, g, Figures(c, s, w)) for k, g, c, s, w in rows]


async def explanations(session: AsyncSession, cycle_id: UUID, kpi_id: str) -> list[str]:
    """What organisations wrote beside their figure of a KPI, without saying who (sorted, so no order
    gives them away); once the results are out."""
    _published(await get_cycle(session, cycle_id))
    stmt = (
        select(submission_values.c.explanation)
        .join(submissions, submissions.c.id == submission_values.c.submission_id)
        .where(
            submissions.c.cycle_id == cycle_id,
            submissions.c.status == SubmissionStatus.FINAL.value,
            submission_values.c.kpi_id == kpi_id,
            submission_values.c.explanation.is_not(None),
        )
    )
    return sorted(e for e in await session.scalars(stmt) if e)


async def compose(session: AsyncSession, cycle_id: UUID, kpi_id: str, members: list[UUID]) -> Figures:
    """Figures of a KPI over a group the caller composed from organisations that opted in: quantiles only,
    refused like any release that would isolate fewer than k organisations; asked twice, the same answer."""
    cycle = await get_cycle(session, cycle_id, for_update=True)  # one composed release at a time per cycle
    _published(cycle)
    chosen = sorted(set(members))
    key = digest(chosen)
    kept = (
        await session.execute(
            select(composed_releases.c.count, composed_releases.c.stats, composed_releases.c.withheld).where(
                composed_releases.c.cycle_id == cycle_id,
                composed_releases.c.kpi_id == kpi_id,
                composed_releases.c.member_set == key,
            )
        )
    ).first()
    if kept is not None:
        return Figures(kept[0], kept[1], kept[2])
    opted = set(
        await session.scalars(
            select(submissions.c.organisation_id).where(
                submissions.c.cycle_id == cycle_id,
                submissions.c.status == SubmissionStatus.FINAL.value,
                submissions.c.custom_groups_opt_in,
            )
        )
    )
    outside = [m for m in chosen if m not in opted]
    if outside:
        raise GroupRefused(f"{len(outside)} chosen organisation(s) did not opt in to composed groups in this cycle")
    world = await universe(session, cycle_id)
    ledger, _ = await ledger_of(session, cycle, world)
    stmt = (
        select(submissions.c.organisation_id, submission_values.c.value)
        .join(submissions, submissions.c.id == submission_values.c.submission_id)
        .where(
            submissions.c.cycle_id == cycle_id,
            submissions.c.organisation_id.in_(chosen),
            submission_values.c.kpi_id == kpi_id,
        )
    )
    answered = {org: value for org, value in await session.execute(stmt)}
    bits = world.bits(answered)
    result = decide(
        ledger, kpi_id, bits, np.sort(np.array(list(answered.values()), dtype=float)), additive=False, with_mean=False
    )
    if result.released:
        stats = {k: float(v) for k, v in result.stats.items()}
        await session.execute(
            insert(member_sets).on_conflict_do_nothing(),
            [{"digest": digest(list(answered)), "members": sorted(answered)}],
        )
        # Kept under the group as released (those that answered) and as asked, so asking again is the same.
        row = {"cycle_id": cycle_id, "kpi_id": kpi_id, "count": result.count, "stats": stats}
        row |= {"withheld": result.withheld, "released_at": now()}
        keys = {digest(list(answered)), key}
        await session.execute(
            insert(composed_releases).on_conflict_do_nothing(), [row | {"member_set": k} for k in keys]
        )
        return Figures(result.count, stats, result.withheld)
    return result


async def own_values(session: AsyncSession, cycle_id: UUID, org_id: UUID) -> dict[str, tuple[float, str | None]]:
    stmt = select(submission_values.c.kpi_id, submission_values.c.value, submission_values.c.explanation).where(
        submission_values.c.submission_id == submission_id(cycle_id, org_id)
    )
    return {k: (v, e) for k, v, e in await session.execute(stmt)}


async def trend(session: AsyncSession, org_id: UUID, kpi_id: str) -> list[TrendPoint]:
    """The organisation's own value of a KPI in every published cycle, beside the network's median."""
    median = text(
        "SELECT c.year, v.value, (r.stats->>'median')::float FROM cycles c "
        "JOIN submissions s ON s.cycle_id = c.id AND s.organisation_id = :org "
        "JOIN submission_values v ON v.submission_id = s.id AND v.kpi_id = :kpi "
        "LEFT JOIN results r ON r.cycle_id = c.id AND r.version = c.version AND r.kpi_id = :kpi "
        "AND r.peer_group = 'all' "
        "WHERE c.status = 'published' ORDER BY c.year"
    )
    return [TrendPoint(y, v, m) for y, v, m in await session.execute(median, {"org": org_id, "kpi": kpi_id})]


async def named(session: AsyncSession, cycle_id: UUID, kpi_id: str) -> list[tuple[str, float, str | None]]:
    """Names and values of the organisations that consented to a named comparison (final submissions), once
    the results are out."""
    _published(await get_cycle(session, cycle_id))
    stmt = (
        select(peers.c.name, submission_values.c.value, submission_values.c.explanation)
        .join(submissions, submissions.c.id == submission_values.c.submission_id)
        .join(peers, peers.c.id == submissions.c.organisation_id)
        .where(
            submissions.c.cycle_id == cycle_id,
            submissions.c.named_opt_in,
            submissions.c.status == SubmissionStatus.FINAL.value,
            submission_values.c.kpi_id == kpi_id,
        )
        .order_by(peers.c.name)
    )
    return [(n, v, e) for n, v, e in await session.execute(stmt)]


async def consented(session: AsyncSession, cycle_id: UUID, org_id: UUID, *, named_: bool) -> bool:
    flag = submissions.c.named_opt_in if named_ else submissions.c.custom_groups_opt_in
    stmt = select(func.count()).where(submissions.c.id == submission_id(cycle_id, org_id), flag)
    return bool(await session.scalar(stmt))


async def participates(session: AsyncSession, cycle_id: UUID, org_id: UUID | None) -> bool:
    if org_id is None:
        return False
    stmt = select(func.count()).where(submissions.c.id == submission_id(cycle_id, org_id))
    return bool(await session.scalar(stmt))
