"""Catalogue API (/v1/catalogue): every version and its KPIs for everyone signed in; network admins change
versions no cycle uses yet."""

from typing import Annotated

from fastapi import APIRouter, Path
from npd_runtime import NOT_FOUND, PrincipalDep, Problems, ProblemType, Role, SessionDep, require_role

from npd_benchmark.catalogue import service
from npd_benchmark.schemas import KpiBody, KpiPublic, VersionPublic

router = APIRouter(prefix="/v1/catalogue", tags=["catalogue"])
PROBLEMS: Problems = {
    service.VersionNotFound: NOT_FOUND,
    service.VersionInUse: ProblemType(409, "catalogue-version-in-use", "Conflict with the current state"),
    # 409, not 422: the definition is well-formed, it conflicts with the version (or with itself).
    service.KpiRefused: ProblemType(409, "kpi-refused", "The KPI conflicts with its catalogue version"),
}
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8, or not JSON)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "Network admins only"},
    404: {"description": "No such catalogue version"},
    422: {"description": "The request is not valid"},
}
VersionPath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
KpiPath = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")]


@router.get("", responses=ERRORS)
async def list_versions(principal: PrincipalDep, session: SessionDep) -> list[VersionPublic]:
    """Every catalogue version and how many KPIs it has."""
    async with session.begin():
        found = await service.versions(session)
    return [VersionPublic(catalogue_version=v, kpis=n) for v, n in found]


@router.get("/{version}", responses=ERRORS)
async def get_version(version: VersionPath, principal: PrincipalDep, session: SessionDep) -> list[KpiPublic]:
    """The KPIs of one version: definition, unit, type, direction, valid range, group, formula."""
    async with session.begin():
        kpis = await service.catalogue(session, version)
    return [KpiPublic.of(k) for k in kpis.values()]


@router.put("/{version}/kpis/{kpi_id}", responses={409: {"description": "A cycle uses the version"}, **ERRORS})
async def put_kpi(
    version: VersionPath, kpi_id: KpiPath, body: KpiBody, principal: PrincipalDep, session: SessionDep
) -> KpiPublic:
    """Add or replace a KPI of a version no cycle uses yet (network admins); a new version can start as a
    copy of an earlier one (`based_on`)."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        kpi = await service.put_kpi(session, version, body.kpi(version, kpi_id), based_on=body.based_on)
    return KpiPublic.of(kpi)
