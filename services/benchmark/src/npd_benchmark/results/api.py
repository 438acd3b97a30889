"""Results API: publication (network admins), figures per KPI and peer group and composed groups (people
of participating organisations and network admins), an organisation's own position (its own people), the
named comparison (organisations that consented, among themselves)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query
from npd_runtime import Forbidden, Principal, PrincipalDep, Problems, ProblemType, Role, SessionDep, require_role
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark.results import publication, service
from npd_benchmark.results.disclosure import Figures
from npd_benchmark.results.position import Position, positions
from npd_benchmark.schemas import CyclePublic, KpiId, Publication

router = APIRouter(prefix="/v1/cycles", tags=["results"])
PROBLEMS: Problems = {
    service.NotPublished: ProblemType(409, "not-published", "Conflict with the current state"),
    service.GroupRefused: ProblemType(422, "group-refused", "The group cannot be compared"),
}
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8, or not JSON)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller may not see this"},
    404: {"description": "No such cycle"},
    409: {"description": "The results are not published"},
    422: {"description": "The request is not valid"},
}
GROUP_PATTERN = r"^(all|(kind|size|domain):[a-z0-9_]+)$"
Group = Annotated[
    str,
    Query(max_length=80, pattern=GROUP_PATTERN, description="all, kind:<kind>, size:<size class> or domain:<domain>"),
]
KpiPath = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")]


class FiguresPublic(BaseModel):
    kpi_id: str
    peer_group: str
    count: int | None = Field(description="Organisations in the group; null: withheld (fewer than k).")
    stats: dict[str, float] = Field(description="median, p25/p75, p10..p90 and mean where released; never min or max.")
    withheld: dict[str, str] = Field(description="What was withheld, and why.")

    @classmethod
    def of(cls, kpi_id: str, group: str, f: Figures) -> "FiguresPublic":
        return cls(kpi_id=kpi_id, peer_group=group, count=f.count, stats=f.stats, withheld=f.withheld)


class Composed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kpi_id: KpiId
    members: list[UUID] = Field(min_length=1, max_length=2000, description="Organisations that opted in.")


class TrendPublic(BaseModel):
    year: int
    value: float
    network_median: float | None


class PositionPublic(BaseModel):
    kpi_id: str
    name: str
    unit: str
    value: float | None = Field(description="The organisation's own value.")
    explanation: str | None
    figures: FiguresPublic | None
    percentile_rank: float | None = Field(description="Read from the published quantiles, not others' values.")
    rank_bound: str | None = Field(description="about, at most or at least (outside the published quantiles).")
    distance_to_median: float | None
    better_than_median: bool | None
    trend: list[TrendPublic]

    @classmethod
    def of(cls, p: Position, group: str) -> "PositionPublic":
        return cls(
            kpi_id=p.kpi.kpi_id,
            name=p.kpi.name,
            unit=p.kpi.unit,
            value=p.value,
            explanation=p.explanation,
            figures=FiguresPublic.of(p.kpi.kpi_id, group, p.figures) if p.figures else None,
            percentile_rank=p.percentile_rank,
            rank_bound=p.rank_bound,
            distance_to_median=p.distance_to_median,
            better_than_median=p.better_than_median,
            trend=[TrendPublic(year=t.year, value=t.value, network_median=t.median) for t in p.trend],
        )


class NamedPublic(BaseModel):
    organisation: str
    value: float
    explanation: str | None


async def may_compare(session: AsyncSession, principal: Principal, cycle_id: UUID) -> None:
    if principal.is_network_admin or await service.participates(session, cycle_id, principal.org_id):
        return
    raise Forbidden("comparisons are for people of participating organisations")


def own_org(principal: Principal) -> UUID:
    if principal.org_id is None or not principal.in_network:
        raise Forbidden("an organisation's position is for its own people")
    return principal.org_id


@router.post("/{cycle_id}/publish", responses=ERRORS)
async def publish(cycle_id: UUID, principal: PrincipalDep, session: SessionDep) -> Publication:
    """Compute and publish the results of a closed cycle (again after corrections: a new version), under
    disclosure control (network admins)."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        cycle, released, withheld = await publication.publish_results(session, cycle_id)
    return Publication(cycle=CyclePublic.of(cycle), released=released, withheld=withheld)


@router.get("/{cycle_id}/results", responses=ERRORS)
async def results(
    cycle_id: UUID,
    principal: PrincipalDep,
    session: SessionDep,
    kpi_id: Annotated[str | None, Query(max_length=60, pattern=r"^[a-z][a-z0-9_]*$")] = None,
    group: Annotated[str | None, Query(max_length=80, pattern=GROUP_PATTERN)] = None,
) -> list[FiguresPublic]:
    """Published figures per KPI and peer group (withheld ones with their reason)."""
    async with session.begin():
        await may_compare(session, principal, cycle_id)
        found = await service.figures(session, cycle_id, kpi_id, group)
    return [FiguresPublic.of(f.kpi_id, f.peer_group, f.figures) for f in found]


@router.get("/{cycle_id}/results/{kpi_id}/explanations", responses=ERRORS)
async def explanations(cycle_id: UUID, kpi_id: KpiPath, principal: PrincipalDep, session: SessionDep) -> list[str]:
    """What organisations wrote beside their figures of a KPI, without naming them."""
    async with session.begin():
        await may_compare(session, principal, cycle_id)
        return await service.explanations(session, cycle_id, kpi_id)


@router.post("/{cycle_id}/results/composed", responses=ERRORS)
async def compose(cycle_id: UUID, body: Composed, principal: PrincipalDep, session: SessionDep) -> FiguresPublic:
    """A KPI's quantiles over a group composed from organisations that opted in; withheld like any release
    that would let someone isolate fewer than k organisations."""
    async with session.begin():
        await may_compare(session, principal, cycle_id)
        figures = await service.compose(session, cycle_id, body.kpi_id, body.members)
    return FiguresPublic.of(body.kpi_id, "composed", figures)


@router.get("/{cycle_id}/position", responses=ERRORS)
async def position(
    cycle_id: UUID, principal: PrincipalDep, session: SessionDep, group: Group = "all"
) -> list[PositionPublic]:
    """The caller's organisation on every KPI: its value, the group's figures, its percentile rank, distance to
    the median and its own trend over the years."""
    org = own_org(principal)
    async with session.begin():
        await may_compare(session, principal, cycle_id)
        _, found = await positions(session, cycle_id, org, group)
    return [PositionPublic.of(p, group) for p in found]


@router.get("/{cycle_id}/named/{kpi_id}", responses=ERRORS)
async def named(cycle_id: UUID, kpi_id: KpiPath, principal: PrincipalDep, session: SessionDep) -> list[NamedPublic]:
    """Values by name of the organisations that consented, for people of an organisation that consented too."""
    org = own_org(principal)
    async with session.begin():
        if not await service.consented(session, cycle_id, org, named_=True):
            raise Forbidden("the named comparison is for organisations that consented to it in this cycle")
        found = await service.named(session, cycle_id, kpi_id)
    return [NamedPublic(organisation=n, value=v, explanation=e) for n, v, e in found]
