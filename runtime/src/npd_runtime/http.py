"""HTTP plumbing every service mounts: /metrics, /healthz, /readyz, /status (latency metrics: npd_runtime.edge)."""

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from npd_runtime.metrics import ServiceMetrics

READY_TIMEOUT_S = 2.0


operations = APIRouter(tags=["operations"])


@operations.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@operations.get("/readyz", summary="Readiness: the database answers and the start-up work is done")
async def readyz(request: Request) -> JSONResponse:
    """Kafka is not a condition: writes go to the outbox, which the relay publishes once the broker is back,
    and reads need no broker. A broker outage must not take every replica out of its Service. The start-up
    work (membership's network admins, say) is: without it, calls that need it would be refused."""
    database = await _database_answers(request)
    started = request.app.state.start_up.done
    ready = database and started
    body: dict[str, object] = {
        "status": "ready" if ready else "not ready",
        "checks": {"database": "ok" if database else "failing", "start_up": "done" if started else "pending"},
        # Shown, not checked: a relay that cannot publish is an alert, not a reason to stop serving.
        "info": request.app.state.messaging.summary(),
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@operations.get("/status", summary="What the process is doing: database, Kafka, outbox relay, consumer")
async def status(request: Request) -> JSONResponse:
    """For operators: the readiness check plus the Kafka side's state (relay, consumer), which alerts read
    from the metrics. Always 200 while the process serves; read the fields."""
    messaging = request.app.state.messaging
    body = {"database": "ok" if await _database_answers(request) else "failing", **messaging.status()}
    return JSONResponse(body)


async def _database_answers(request: Request) -> bool:
    try:
        async with asyncio.timeout(READY_TIMEOUT_S), request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@operations.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics_endpoint(request: Request) -> Response:
    metrics: ServiceMetrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
