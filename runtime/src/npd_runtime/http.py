"""HTTP plumbing every service mounts: latency metrics, /metrics, /healthz, /readyz."""

import asyncio
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.routing import Match

from npd_runtime.metrics import ServiceMetrics

READY_TIMEOUT_S = 2.0


def install_request_metrics(app: FastAPI, metrics: ServiceMetrics) -> None:
    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        metrics.http_request_duration.labels(request.method, _route_template(request), response.status_code).observe(
            time.perf_counter() - started
        )
        return response


def _route_template(request: Request) -> str:
    """The route's path template, so /v1/organisations/{id} is one series, not one per id."""
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"


operations = APIRouter(tags=["operations"])


@operations.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@operations.get("/readyz", summary="Readiness: the database and the Kafka broker answer")
async def readyz(request: Request) -> JSONResponse:
    checks = {"database": await _database_answers(request), "kafka": await _kafka_answers(request)}
    ready = all(checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {k: "ok" if v else "failing" for k, v in checks.items()},
    }
    return JSONResponse(body, status_code=200 if ready else 503)


async def _database_answers(request: Request) -> bool:
    try:
        async with asyncio.timeout(READY_TIMEOUT_S), request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


async def _kafka_answers(request: Request) -> bool:
    try:
        return bool(await request.app.state.broker.ping(timeout=READY_TIMEOUT_S))
    except Exception:
        return False


@operations.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics_endpoint(request: Request) -> Response:
    metrics: ServiceMetrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
