"""Catalogue use cases: the starting catalogue seeded once, versions listed and read, KPIs of a version
that no cycle uses yet changed."""

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark.catalogue.data import starting_catalogue
from npd_benchmark.catalogue.domain import Kpi
from npd_benchmark.models import KPIS, cycles, kpis


class VersionNotFound(LookupError):
    def __init__(self, version: str) -> None:
        super().__init__(f"catalogue version {version} does not exist")


class VersionInUse(Exception):
    def __init__(self, version: str) -> None:
        super().__init__(f"catalogue version {version} is used by a cycle: make a new version to change a KPI")


class KpiRefused(Exception):
    """A KPI definition that cannot be (wrong range, or a derivation from KPIs not in the version)."""


async def seed(session: AsyncSession) -> None:
    """Put the starting catalogue in place unless it is there (every replica may try; one wins)."""
    rows = [KPIS.values(kpi) for kpi in starting_catalogue()]
    await session.execute(insert(kpis).on_conflict_do_nothing(), rows)


async def catalogue(session: AsyncSession, version: str) -> dict[str, Kpi]:
    found = await KPIS.all(session, KPIS.select().where(kpis.c.catalogue_version == version).order_by(kpis.c.kpi_id))
    if not found:
        raise VersionNotFound(version)
    return {kpi.kpi_id: kpi for kpi in found}


async def versions(session: AsyncSession) -> list[tuple[str, int]]:
    stmt = (
        select(kpis.c.catalogue_version, func.count())
        .group_by(kpis.c.catalogue_version)
        .order_by(kpis.c.catalogue_version)
    )
    return [(v, n) for v, n in await session.execute(stmt)]


async def put_kpi(session: AsyncSession, version: str, kpi: Kpi, *, based_on: str | None = None) -> Kpi:
    """Add or replace a KPI in `version`; a new version starts as a copy of `based_on` (or of nothing)."""
    used = await session.scalar(select(func.count()).select_from(cycles).where(cycles.c.catalogue_version == version))
    if used:
        raise VersionInUse(version)
    existing = await session.scalar(select(func.count()).select_from(kpis).where(kpis.c.catalogue_version == version))
    if not existing and based_on is not None:
        base = await catalogue(session, based_on)
        await session.execute(insert(kpis), [KPIS.values(replace(k, catalogue_version=version)) for k in base.values()])
    if kpi.minimum > kpi.maximum:
        raise KpiRefused(f"{kpi.kpi_id}: minimum {kpi.minimum:g} is above maximum {kpi.maximum:g}")
    current = await catalogue(session, version) if existing or based_on else {}
    for name in (kpi.numerator, kpi.denominator):
        if name is not None and name not in current and name != kpi.kpi_id:
            raise KpiRefused(f"{kpi.kpi_id}: derived from {name}, which version {version} does not have")
    kpi = replace(kpi, catalogue_version=version)
    values = KPIS.values(kpi)
    stmt = insert(kpis).values(values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["catalogue_version", "kpi_id"], set_=values))
    return kpi
