"""Fixtures of the benchmark tests: the app on the real PostgreSQL and Kafka (relay off, so tests read the
outbox), people and member organisations put in its read models exactly as membership's events would."""

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from npd_benchmark.config import BenchmarkSettings
from npd_benchmark.handlers import on_member_joined
from npd_benchmark.main import create_app
from npd_contracts import (
    Envelope,
    MemberJoined,
    OrganisationKind,
    PersonRegistered,
    PersonRoleGranted,
    PolicyDomain,
    Role,
    SizeClass,
)
from npd_runtime.access import on_person_registered, on_person_role_granted

Headers = dict[str, str]
_years = itertools.count(2030)


def next_year() -> int:
    return next(_years)


class PersonFactory(Protocol):
    def __call__(self, sub: str, *roles: str, org: UUID | None = None) -> Awaitable[Headers]: ...


class OrgFactory(Protocol):
    def __call__(
        self,
        name: str | None = None,
        kind: OrganisationKind = ...,
        size: SizeClass | None = ...,
        domains: tuple[PolicyDomain, ...] = (),
    ) -> Awaitable[UUID]: ...


@pytest_asyncio.fixture(scope="module")
async def app_and_client(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any], wait_for: Callable[..., Any]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(BenchmarkSettings(**service_settings("benchmark", relay_enabled=False)))
    async with run_app(app) as client:
        # The starting catalogue is seeded at start-up, in the background.
        await wait_for(lambda: _done(app))
        yield app, client


async def _done(app: Any) -> bool:
    return bool(app.state.start_up.done)


@pytest_asyncio.fixture
async def client(app_and_client: tuple[Any, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_client[1]


@pytest.fixture
def app(app_and_client: tuple[Any, httpx.AsyncClient]) -> Any:
    return app_and_client[0]


def _envelope(data: Any) -> Envelope[Any]:
    return Envelope(data=data, source="/npd/membership")


async def add_person(app: Any, sub: str, *roles: str, org: UUID | None = None) -> None:
    """As if membership's PersonRegistered and PersonRoleGranted had arrived."""
    now = datetime.now(UTC)
    async with app.state.sessions() as session, session.begin():
        registered = PersonRegistered(person_id=sub, organisation_id=org, name=sub, language="nl", registered_at=now)
        await on_person_registered(session, [_envelope(registered)])
        for role in roles:
            scope = None if role == "network_admin" else org
            granted = PersonRoleGranted(person_id=sub, role=Role(role), organisation_id=scope, granted_at=now)
            await on_person_role_granted(session, [_envelope(granted)])


@pytest_asyncio.fixture
async def person(app: Any, token: Callable[..., Headers]) -> PersonFactory:
    async def make(sub: str, *roles: str, org: UUID | None = None) -> Headers:
        await add_person(app, sub, *roles, org=org)
        return token(sub)

    return make


async def add_org(
    app: Any,
    name: str | None = None,
    kind: OrganisationKind = OrganisationKind.MUNICIPALITY,
    size: SizeClass | None = SizeClass.FROM_250,
    domains: tuple[PolicyDomain, ...] = (),
) -> UUID:
    """As if membership's MemberJoined had arrived."""
    org = uuid4()
    joined = MemberJoined(
        organisation_id=org,
        name=name or f"Gemeente {org.hex[:8]}",
        kind=kind,
        contact_person_id=f"contact-{org.hex[:8]}",
        joined_at=datetime.now(UTC),
        domains=list(domains),
        size_class=size,
    )
    async with app.state.sessions() as session, session.begin():
        await on_member_joined(session, [_envelope(joined)])
    return org


@pytest_asyncio.fixture
async def member_org(app: Any) -> OrgFactory:
    async def make(
        name: str | None = None,
        kind: OrganisationKind = OrganisationKind.MUNICIPALITY,
        size: SizeClass | None = SizeClass.FROM_250,
        domains: tuple[PolicyDomain, ...] = (),
    ) -> UUID:
        return await add_org(app, name, kind, size, domains)

    return make


@pytest_asyncio.fixture
async def admin(person: PersonFactory) -> Headers:
    return await person("bench-admin", "network_admin")


@pytest.fixture
def year() -> int:
    """A cycle year no other test uses (one cycle per year)."""
    return next(_years)


NewCycle = Callable[..., Awaitable[dict[str, Any]]]


@pytest_asyncio.fixture
async def open_cycle(client: httpx.AsyncClient, admin: Headers) -> NewCycle:
    async def make(k: int = 5, deadline: str = "2099-12-31T00:00:00Z") -> dict[str, Any]:
        body = {"year": next(_years), "catalogue_version": "2026.1", "deadline": deadline, "k": k}
        response = await client.post("/v1/cycles", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make
