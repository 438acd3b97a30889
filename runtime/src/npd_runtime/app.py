"""One process per replica: the FastAPI app, its Kafka consumers and its outbox relay, wired the same way
in every service. A service's main.py describes itself with a ServiceSpec and calls create_service_app.
"""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.specification import AsyncAPI, get_asyncapi_html
from npd_contracts import EventData

from npd_runtime.auth import TokenVerifier
from npd_runtime.consumer import EventConsumer
from npd_runtime.db import create_engine, create_sessions
from npd_runtime.http import RequestMetrics, operations
from npd_runtime.kafka import create_broker, create_producer
from npd_runtime.logs import configure_logging
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.problems import install_problem_handlers
from npd_runtime.relay import OutboxRelay
from npd_runtime.settings import ServiceSettings
from npd_runtime.tracing import TraceContext

log = logging.getLogger(__name__)


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    settings: ServiceSettings
    routers: Sequence[APIRouter] = ()
    consumer: EventConsumer | None = None
    publishes: Sequence[type[EventData]] = ()
    version: str = "0.1.0"
    extra_state: dict[str, object] = field(default_factory=dict)


def create_service_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    configure_logging(spec.name, settings.log_level)
    metrics = ServiceMetrics(spec.name)
    engine = create_engine(settings.database_url)
    sessions = create_sessions(engine)
    broker = create_broker(settings, client_id=spec.name)
    producer = create_producer(settings, client_id=f"{spec.name}-relay")
    if spec.consumer is not None:
        spec.consumer.attach(broker, sessions, producer, metrics)
    _document_publications(broker, spec.publishes)
    relay = (
        OutboxRelay(service=spec.name, database_url=settings.database_url, producer=producer, metrics=metrics)
        if spec.publishes and settings.relay_enabled
        else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await producer.start()
        await broker.start()
        relay_task = asyncio.create_task(relay.run(), name="outbox-relay") if relay else None
        # Everything built so far lives as long as the process: keep the collector from re-scanning it,
        # which otherwise shows up as tens of milliseconds of tail latency on full collections.
        gc.collect()
        gc.freeze()
        log.info("%s started", spec.name)
        try:
            yield
        finally:
            if relay_task:
                relay_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay_task
            if spec.consumer is not None:
                await spec.consumer.close()
            await broker.stop()
            await producer.stop()
            await engine.dispose()
            log.info("%s stopped", spec.name)

    app = FastAPI(title=spec.title, description=spec.description, version=spec.version, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.broker = broker
    app.state.producer = producer
    app.state.metrics = metrics
    app.state.relay = relay
    app.state.token_verifier = TokenVerifier(
        issuer=settings.oidc_issuer, audience=settings.oidc_audience, jwks_url=settings.oidc_jwks_url
    )
    for key, value in spec.extra_state.items():
        setattr(app.state, key, value)
    install_problem_handlers(app)
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(TraceContext)
    app.include_router(operations)
    app.include_router(
        _asyncapi_routes(AsyncAPI(broker, title=f"{spec.title} (Kafka interface)", version=spec.version))
    )
    for router in spec.routers:
        app.include_router(router)
    return app


def _document_publications(broker: object, events: Sequence[type[EventData]]) -> None:
    """Declare what the relay publishes, so the AsyncAPI document lists it; nothing publishes through these."""
    from faststream.kafka import KafkaBroker

    assert isinstance(broker, KafkaBroker)
    for event in events:
        broker.publisher(
            event.TOPIC.name,
            title=f"{event.TOPIC.name}:{event.TYPE}",
            description=f"{(event.__doc__ or '').strip()} CloudEvents type {event.TYPE}, binary content mode, "
            f"key = {event.SUBJECT_FIELD}.",
            schema=event,
        )


def _asyncapi_routes(spec: AsyncAPI) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/asyncapi.json", summary="AsyncAPI document of the events this service consumes and publishes")
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(spec.to_specification().to_jsonable())

    @router.get("/asyncapi", summary="AsyncAPI document, rendered", response_class=HTMLResponse)
    async def asyncapi_html() -> HTMLResponse:
        return HTMLResponse(get_asyncapi_html(spec.to_specification()))

    return router
