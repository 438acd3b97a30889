"""The benchmark process (the members' annual benchmark): uvicorn --factory npd_benchmark.main:create_app.

It runs with its own database, broker connection, health, readiness, metrics and AsyncAPI document;
its features (cycles, KPIs, submissions, peer comparison) arrive in later issues.
"""

from fastapi import FastAPI
from npd_runtime import ServiceSpec, create_service_app

from npd_benchmark.config import BenchmarkSettings, get_settings


def create_app(settings: BenchmarkSettings | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name="benchmark",
            title="NPD benchmark",
            description="The members' annual benchmark of business operations.",
            settings=settings or get_settings(),
        )
    )
