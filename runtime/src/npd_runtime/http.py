"""HTTP plumbing every service mounts: latency metrics, /metrics, /healthz, /readyz, /status."""

import asyncio
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from npd_runtime.metrics import ServiceMetrics

READY_TIMEOUT_S = 2.0


class RequestMetrics:
    """Plain ASGI middleware (BaseHTTPMiddleware costs a task group per request) timing every request."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_remember(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_remember)
        finally:
            route = scope.get("route")
            # The path template, so /v1/organisations/{id} is one series, not one per id.
            template = getattr(route, "path", "unmatched")
            self.metrics.http_request_duration.labels(scope["method"], template, status).observe(
                time.perf_counter() - started
            )


operations = APIRouter(tags=["operations"])


@operations.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@operations.get("/readyz", summary="Readiness: the database answers (all HTTP needs)")
async def readyz(request: Request) -> JSONResponse:
    """Kafka is not a condition: writes go to the outbox, which the relay publishes once the broker is back,
    and reads need no broker. A broker outage must not take every replica out of its Service."""
    ready = await _database_answers(request)
    body: dict[str, object] = {
        "status": "ready" if ready else "not ready",
        "checks": {"database": "ok" if ready else "failing"},
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
