"""The benchmark process (the members' annual benchmark): uvicorn --factory npd_benchmark.main:create_app.

KPI catalogue, cycles, submissions, results under disclosure control, reports and improvement actions;
a read model of membership's organisations (peer groups) and of who holds which role.
"""

from fastapi import FastAPI
from npd_contracts import EVENT_TYPES
from npd_runtime import ServiceSpec, create_service_app

from npd_benchmark.actions import api as actions
from npd_benchmark.catalogue import api as catalogue
from npd_benchmark.catalogue import service as catalogue_service
from npd_benchmark.config import BenchmarkSettings, get_settings
from npd_benchmark.cycles import api as cycles
from npd_benchmark.handlers import HANDLERS
from npd_benchmark.reports import api as reports
from npd_benchmark.results import api as results

PUBLISHES = [cls for type_name, cls in EVENT_TYPES.items() if type_name.startswith("nl.npd.benchmark.")]
PROBLEMS = {**catalogue.PROBLEMS, **cycles.PROBLEMS, **results.PROBLEMS, **actions.PROBLEMS, **reports.PROBLEMS}
ROUTERS = [catalogue.router, cycles.cycles, cycles.router, results.router, reports.router, actions.router]


def spec(settings: BenchmarkSettings) -> ServiceSpec:
    return ServiceSpec(
        name="benchmark",
        title="NPD benchmark",
        description="The members' annual benchmark of business operations, with peer comparison under "
        "disclosure control.",
        settings=settings,
        routers=ROUTERS,
        handlers=HANDLERS,
        publishes=PUBLISHES,
        problems=PROBLEMS,
        on_start=catalogue_service.seed,
    )


def create_app(settings: BenchmarkSettings | None = None) -> FastAPI:
    return create_service_app(spec(settings or get_settings()))
