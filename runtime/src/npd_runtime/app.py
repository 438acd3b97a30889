"""One process per replica: the FastAPI app, its event consumer and its outbox relay, wired the same way in
every service. A service's main.py states its rules in a ServiceSpec and calls create_service_app.
"""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from faststream.specification import AsyncAPI
from npd_contracts import EventData
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from npd_runtime.access import ACCESS, with_access_handlers
from npd_runtime.asyncapi import asyncapi_routes, describe_channels
from npd_runtime.auth import Principals, TokenVerifier
from npd_runtime.consumer import Handler
from npd_runtime.db import create_engine, create_sessions
from npd_runtime.edge import Edge
from npd_runtime.http import operations
from npd_runtime.kafka import create_broker
from npd_runtime.logs import configure_logging
from npd_runtime.messaging import Messaging
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.outbox import Publisher
from npd_runtime.problems import Problems, install_problem_handlers
from npd_runtime.reads import Query, Reads
from npd_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the runtime needs to know about a service, in one place.

    `handlers`: the events it consumes and the function that handles each (its consumer group is `name`).
    `publishes`: the events it may write to its outbox; writing any other fails.
    `problems`: its errors and their HTTP meaning, so routes need no try/except.
    `access`: the query of what a caller may do, `(kind, id, role)` rows of one `person_id` (see access_of);
    None means the runtime's read model of membership's person events (npd_runtime.access), whose handlers
    then join the service's own.
    `anonymous`: path prefixes under /v1 that need no bearer token (public listings, secret-URL feeds).
    `on_start`: work done once, in a transaction, as soon as the database answers (start-up is not held up
    while it does not); the service is ready only after it.
    """

    name: str
    title: str
    description: str
    settings: ServiceSettings
    routers: Sequence[APIRouter] = ()
    handlers: Mapping[type[EventData], Handler] = field(default_factory=dict)
    publishes: Sequence[type[EventData]] = ()
    problems: Problems = field(default_factory=dict)
    access: Query | None = None
    on_start: Callable[[AsyncSession], Awaitable[None]] | None = None
    # Path prefixes under /v1 served without a bearer token: their routes must not ask for a principal.
    anonymous: Sequence[str] = ()
    version: str = "0.1.0"

    @property
    def consumes(self) -> Mapping[type[EventData], Handler]:
        """Every event the service's consumer handles: its own, and the read model's unless it has its own access."""
        return self.handlers if self.access is not None else with_access_handlers(self.handlers)

    @property
    def source(self) -> str:
        """The CloudEvents source of every event this service publishes."""
        return f"/npd/{self.name}"


def create_service_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    configure_logging(spec.name, settings.log_level)
    metrics = ServiceMetrics(spec.name)
    engine = create_engine(settings.database_url)
    sessions = create_sessions(engine, info=Publisher(spec.source, frozenset(spec.publishes)).session_info())
    handlers = spec.consumes
    messaging = Messaging(name=spec.name, settings=settings, sessions=sessions, metrics=metrics, handlers=handlers)
    start_up = StartUp(spec.on_start, sessions)
    reads = Reads(settings.database_url, size=settings.read_pool_size)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Kafka clients are made here, not above: aiokafka binds them to the running event loop, and
        # building the app (for its OpenAPI or AsyncAPI document, say) must not need one.
        messaging.start()
        start_up.start()
        # Everything built so far lives as long as the process: keep the collector from re-scanning it,
        # which otherwise shows up as tens of milliseconds of tail latency on full collections.
        gc.collect()
        gc.freeze()
        log.info("%s started", spec.name)
        try:
            yield
        finally:
            await start_up.stop()
            await messaging.stop()
            await reads.close()
            await engine.dispose()
            log.info("%s stopped", spec.name)

    app = FastAPI(title=spec.title, description=spec.description, version=spec.version, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.reads = reads
    app.state.messaging = messaging
    app.state.metrics = metrics
    app.state.start_up = start_up
    app.state.principals = Principals(spec.access or ACCESS, reads, ttl_s=settings.access_cache_ttl_s)
    verifier = TokenVerifier(
        issuer=settings.oidc_issuer, audience=settings.oidc_audience, jwks_url=settings.oidc_jwks_url
    )
    app.state.token_verifier = verifier
    install_problem_handlers(app, spec.problems)
    # Trace context, latency, authentication (except under the paths the service declares anonymous).
    app.add_middleware(Edge, metrics=metrics, verifier=verifier, anonymous=tuple(spec.anonymous))
    app.include_router(operations)
    # Never started: it names the servers and channels in the AsyncAPI document.
    broker = describe_channels(create_broker(settings, client_id=spec.name), spec.name, handlers, spec.publishes)
    asyncapi = AsyncAPI(broker, title=f"{spec.title} (Kafka interface)", version=spec.version)
    app.include_router(asyncapi_routes(asyncapi, spec.name, handlers))
    for router in spec.routers:
        app.include_router(router)
    return app


class StartUp:
    """A service's start-up work (ServiceSpec.on_start), retried with backoff until it is done once: the
    database may not answer yet, or another replica may be doing the same work at the same moment."""

    def __init__(
        self, work: Callable[[AsyncSession], Awaitable[None]] | None, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        self._work, self._sessions = work, sessions
        self.done = work is None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if not self.done:
            self._task = asyncio.create_task(self._run(), name="start-up")

    async def _run(self) -> None:
        assert self._work is not None
        backoff = 0.2
        while True:
            try:
                async with self._sessions() as session, session.begin():
                    await self._work(session)
            except Exception as exc:
                log.warning("start-up work failed (%s: %s); trying again in %.1f s", type(exc).__name__, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            self.done = True
            log.info("start-up work done")
            return

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
