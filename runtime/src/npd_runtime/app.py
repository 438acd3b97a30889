"""One process per replica: the FastAPI app, its Kafka consumers and its outbox relay, wired the same way
in every service. A service's main.py describes itself with a ServiceSpec and calls create_service_app.
"""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI
from faststream.specification import AsyncAPI
from npd_contracts import EventData

from npd_runtime.asyncapi import asyncapi_routes, declare_publications
from npd_runtime.auth import Authentication, TokenVerifier
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


def create_service_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    configure_logging(spec.name, settings.log_level)
    metrics = ServiceMetrics(spec.name)
    engine = create_engine(settings.database_url)
    sessions = create_sessions(engine)
    broker = create_broker(settings, client_id=spec.name)
    if spec.consumer is not None:
        spec.consumer.attach(broker, sessions, metrics)
    declare_publications(broker, spec.publishes)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Made here, not above: aiokafka binds a producer to the running event loop, and building the app
        # (for its OpenAPI or AsyncAPI document, say) must not need one.
        producer = app.state.producer = create_producer(settings, client_id=f"{spec.name}-relay")
        await producer.start()
        if spec.consumer is not None:
            spec.consumer.use_producer(producer)
        await broker.start()
        relay_task = None
        if spec.publishes and settings.relay_enabled:
            relay = OutboxRelay(
                service=spec.name, database_url=settings.database_url, producer=producer, metrics=metrics
            )
            relay_task = asyncio.create_task(relay.run(), name="outbox-relay")
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
    app.state.metrics = metrics
    app.state.token_verifier = TokenVerifier(
        issuer=settings.oidc_issuer, audience=settings.oidc_audience, jwks_url=settings.oidc_jwks_url
    )
    install_problem_handlers(app)
    # Outermost last: trace context, then timing, then authentication of /v1 calls.
    app.add_middleware(Authentication)
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(TraceContext)
    app.include_router(operations)
    asyncapi = AsyncAPI(broker, title=f"{spec.title} (Kafka interface)", version=spec.version)
    app.include_router(asyncapi_routes(asyncapi, spec.consumer))
    for router in spec.routers:
        app.include_router(router)
    return app
