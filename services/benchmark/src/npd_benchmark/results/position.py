"""An organisation's position on every KPI of a cycle, assembled from what it may see: its own values, the
published figures of a peer group and its own earlier years. Used by the API and the reports alike."""

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark.catalogue import service as catalogue
from npd_benchmark.catalogue.domain import Direction, Kpi
from npd_benchmark.cycles.service import get_cycle
from npd_benchmark.results import service
from npd_benchmark.results.disclosure import Figures
from npd_benchmark.results.service import TrendPoint
from npd_benchmark.results.statistics import position


@dataclass(frozen=True)
class Position:
    kpi: Kpi
    value: float | None
    explanation: str | None
    figures: Figures | None
    percentile_rank: float | None
    rank_bound: str | None
    distance_to_median: float | None
    better_than_median: bool | None
    trend: list[TrendPoint]


async def positions(session: AsyncSession, cycle_id: UUID, org_id: UUID, group: str) -> tuple[int, list[Position]]:
    """The cycle's year and the organisation's position on each KPI of its catalogue within `group`."""
    cycle = await get_cycle(session, cycle_id)
    kpis = await catalogue.catalogue(session, cycle.catalogue_version)
    published = {f.kpi_id: f.figures for f in await service.figures(session, cycle_id, group=group)}
    own = await service.own_values(session, cycle_id, org_id)
    out = []
    for kpi in kpis.values():
        value, explanation = own.get(kpi.kpi_id, (None, None))
        figures = published.get(kpi.kpi_id)
        rank = bound = distance = better = None
        if value is not None and figures is not None and figures.released:
            rank, bound = position(value, figures.stats)
            median = figures.stats["median"]
            distance = value - median
            if distance != 0:
                better = (distance > 0) == (kpi.direction is Direction.HIGHER_IS_BETTER)
        trend = await service.trend(session, org_id, kpi.kpi_id) if value is not None else []
        out.append(Position(kpi, value, explanation, figures, rank, bound, distance, better, trend))
    return cycle.year, out
