"""Fixtures every test may use: the real Kafka and PostgreSQL (started once per session by devstack),
migrated service databases, running service apps and tokens.
"""

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from npd_contracts.topics import topic_specs
from npd_devstack.issuer import DevIssuer
from npd_devstack.postgres import PostgresCluster
from npd_devstack.topics import ensure_topics
from npd_runtime import ServiceSpec
from npd_runtime.outbox import Publisher
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

pytest_plugins = ["npd_devstack.pytest_plugin"]

ROOT = Path(__file__).parent
T = TypeVar("T")
FAULTS = ROOT / "tests" / "faults"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/faults (`make test-faults`) runs only when named on the command line: `make test` stays fast."""
    if collection_path != FAULTS:
        return None
    here = config.invocation_params.dir
    named = (Path(here, str(arg).split("::")[0]).resolve() for arg in config.args)
    return None if any(path == FAULTS or FAULTS in path.parents for path in named) else True


@pytest.fixture(scope="session")
def kafka(kafka_bootstrap: str) -> str:
    """The broker's address, with every topic of the catalogue created."""
    asyncio.run(ensure_topics(kafka_bootstrap, topic_specs()))
    return kafka_bootstrap


def migrate(service: str, database_url: str) -> None:
    """Run the service's Alembic migrations exactly as operators do: `alembic upgrade head`."""
    env = os.environ | {f"{service.upper()}_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "services" / service / "alembic.ini"), "upgrade", "head"],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrations of {service} failed:\n{done.stderr}")


@pytest.fixture(scope="session")
def service_database(postgres_cluster: PostgresCluster) -> Callable[[str], str]:
    """`service_database("membership")`: that service's own database, migrated once per session."""
    urls: dict[str, str] = {}

    def database(service: str) -> str:
        if service not in urls:
            urls[service] = postgres_cluster.create_database(service)
            migrate(service, urls[service])
        return urls[service]

    return database


@pytest.fixture(scope="session")
def service_settings(
    kafka: str, service_database: Callable[[str], str], dev_issuer: DevIssuer
) -> Callable[..., dict[str, Any]]:
    """Constructor arguments for a service's Settings, pointing at the test infrastructure."""

    def settings(service: str, **overrides: Any) -> dict[str, Any]:
        return {
            "database_url": service_database(service),
            "kafka_bootstrap_servers": kafka,
            "oidc_issuer": dev_issuer.issuer,
            "oidc_audience": dev_issuer.audience,
            "oidc_jwks_url": dev_issuer.jwks_url,
            "log_level": "WARNING",
            # Tests change roles and read them back at once; the per-process cache has its own test.
            "access_cache_ttl_s": 0,
            **overrides,
        }

    return settings


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (broker, consumers, relay) and talk to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture(scope="session")
def run_app() -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]:
    return running


async def eventually(check: Callable[[], Awaitable[T]], timeout_s: float = 20.0, every_s: float = 0.05) -> T:
    """Poll until `check` returns something truthy; fail with the last value after the timeout."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s (last value: {value!r})")
        await asyncio.sleep(every_s)


@pytest.fixture(scope="session")
def wait_for() -> Callable[..., Awaitable[Any]]:
    return eventually


@pytest.fixture(scope="session")
def token(dev_issuer: DevIssuer) -> Callable[..., dict[str, str]]:
    """`token("person-1", "network_admin", org_id=...)`: Authorization headers for that person."""

    def headers(sub: str, *roles: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {dev_issuer.mint(sub, list(roles), **claims)}"}

    return headers


@pytest_asyncio.fixture(scope="session")
async def _engines(service_database: Callable[[str], str]) -> AsyncIterator[Callable[[str], AsyncEngine]]:
    engines: dict[str, AsyncEngine] = {}

    def engine(service: str) -> AsyncEngine:
        if service not in engines:
            engines[service] = create_async_engine(service_database(service))
        return engines[service]

    yield engine
    for engine_ in engines.values():
        await engine_.dispose()


@pytest.fixture
def rolled_back(
    _engines: Callable[[str], AsyncEngine],
) -> Callable[[ServiceSpec], contextlib.AbstractAsyncContextManager[AsyncSession]]:
    """`async with rolled_back(spec) as session`: a session of that service on its real database, inside a
    transaction that is rolled back at the end (the code under test may commit: that is a savepoint)."""

    @contextlib.asynccontextmanager
    async def session_of(spec: ServiceSpec) -> AsyncIterator[AsyncSession]:
        async with _engines(spec.name).connect() as connection:
            transaction = await connection.begin()
            info = Publisher(spec.source, frozenset(spec.publishes)).session_info()
            session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint", info=info)
            try:
                yield session
            finally:
                await session.close()
                await transaction.rollback()

    return session_of


@pytest_asyncio.fixture(scope="session")
async def kafka_producer(kafka: str) -> AsyncIterator[AIOKafkaProducer]:
    """A plain producer, for tests that put records on a topic themselves."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    yield producer
    await producer.stop()
