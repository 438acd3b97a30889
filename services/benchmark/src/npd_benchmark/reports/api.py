"""Reports of the caller's own organisation (/v1/cycles/{cycle_id}/report.*, /charts/*): HTML, PDF, CSV and
charts as SVG or PNG, made only from what that organisation may see."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response
from npd_runtime import NotFound, PrincipalDep, Problems, SessionDep
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark.models import peers
from npd_benchmark.reports import render
from npd_benchmark.results.api import ERRORS, Group, KpiPath, may_compare, own_org
from npd_benchmark.results.position import Position, positions

router = APIRouter(prefix="/v1/cycles", tags=["reports"])
PROBLEMS: Problems = {}


def _doc(media: str, description: str) -> dict[int | str, dict[str, object]]:
    return {200: {"content": {media: {}}, "description": description}, **ERRORS}


async def _report(
    session: AsyncSession, principal: PrincipalDep, cycle_id: UUID, group: str
) -> tuple[str, int, list[Position]]:
    org = own_org(principal)
    await may_compare(session, principal, cycle_id)
    name = await session.scalar(select(peers.c.name).where(peers.c.id == org)) or str(org)
    year, rows = await positions(session, cycle_id, org, group)
    return name, year, rows


@router.get("/{cycle_id}/report.html", response_class=Response, responses=_doc("text/html", "The report as a web page"))
async def report_html(cycle_id: UUID, principal: PrincipalDep, session: SessionDep, group: Group = "all") -> Response:
    """The organisation's report: its position on every KPI with charts (inline SVG)."""
    async with session.begin():
        name, year, rows = await _report(session, principal, cycle_id, group)
    return Response(render.html(name, year, group, rows), media_type="text/html; charset=utf-8")


@router.get("/{cycle_id}/report.pdf", response_class=Response, responses=_doc("application/pdf", "The report as a PDF"))
async def report_pdf(cycle_id: UUID, principal: PrincipalDep, session: SessionDep, group: Group = "all") -> Response:
    """The same report as a PDF (charts as PNG)."""
    async with session.begin():
        name, year, rows = await _report(session, principal, cycle_id, group)
    return Response(render.pdf(name, year, group, rows), media_type="application/pdf")


@router.get(
    "/{cycle_id}/report.csv", response_class=Response, responses=_doc("text/csv", "What the organisation may see")
)
async def report_csv(cycle_id: UUID, principal: PrincipalDep, session: SessionDep, group: Group = "all") -> Response:
    """Exactly what the organisation may see, as CSV: its own values beside the published figures."""
    async with session.begin():
        _, _, rows = await _report(session, principal, cycle_id, group)
    return Response(render.export_csv(rows), media_type="text/csv; charset=utf-8")


Format = Annotated[str, Path(pattern=r"^(svg|png)$", description="svg or png")]


@router.get(
    "/{cycle_id}/charts/{kpi_id}/{chart}.{fmt}",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "The chart"}, **ERRORS},
)
async def chart(
    cycle_id: UUID,
    kpi_id: KpiPath,
    chart: Annotated[str, Path(pattern=r"^(distribution|trend)$", description="distribution or trend")],
    fmt: Format,
    principal: PrincipalDep,
    session: SessionDep,
    group: Group = "all",
) -> Response:
    """One chart of the organisation's report: the KPI's distribution with the organisation marked, or its
    trend over the years beside the network's median."""
    async with session.begin():
        _, _, rows = await _report(session, principal, cycle_id, group)
    found = next((p for p in rows if p.kpi.kpi_id == kpi_id), None)
    drawing = (
        None
        if found is None
        else (render.distribution_of(found) if chart == "distribution" else render.trend_of(found))
    )
    if drawing is None:
        raise NotFound("chart", f"{kpi_id}/{chart}")
    if fmt == "svg":
        return Response(drawing.svg(f"{found.kpi.name if found else kpi_id}: {chart}"), media_type="image/svg+xml")
    return Response(drawing.png(), media_type="image/png")
