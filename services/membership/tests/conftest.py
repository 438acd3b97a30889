"""Fixtures of the membership tests: the app on the real PostgreSQL and Kafka, and people of the network.

`person("sub", "org_admin", org=org_id)` puts a person with those roles in membership's own tables (where
membership's authorisation reads them) and returns Authorization headers for them: a token naming them
only, since the rows are what counts.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

import httpx
import pytest_asyncio
from npd_membership.config import MembershipSettings
from npd_membership.main import create_app
from npd_membership.models import organisations, people, person_roles
from sqlalchemy.dialects.postgresql import insert

Headers = dict[str, str]


class PersonFactory(Protocol):
    def __call__(self, sub: str, *roles: str, org: UUID | str | None = None) -> Awaitable[Headers]: ...


@pytest_asyncio.fixture(scope="module")
async def app_and_client(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    # The relay is off so these tests can read what the outbox holds.
    app = create_app(MembershipSettings(**service_settings("membership", relay_enabled=False)))
    async with run_app(app) as client:
        yield app, client


@pytest_asyncio.fixture
async def client(app_and_client: tuple[Any, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_client[1]


@pytest_asyncio.fixture
async def person(app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]) -> PersonFactory:
    app = app_and_client[0]

    async def make(sub: str, *roles: str, org: UUID | str | None = None) -> Headers:
        now = datetime.now(UTC)
        org_id = UUID(str(org)) if org else None
        async with app.state.sessions() as session, session.begin():
            if org_id is not None:
                await session.execute(
                    insert(organisations)
                    .values(
                        id=org_id,
                        name=f"Organisation {org_id.hex[:12]}",
                        kind="municipality",
                        domains=[],
                        status="member",
                        contact_person_id=sub,
                        contact_name=sub,
                        contact_email="contact@example.nl",
                        applied_at=now,
                        status_changed_at=now,
                        joined_at=now,
                    )
                    .on_conflict_do_nothing()
                )
            await session.execute(
                insert(people)
                .values(
                    id=sub,
                    organisation_id=org_id,
                    name=sub,
                    email=f"{uuid4().hex[:8]}@example.nl",
                    language="nl",
                    visibility="network",
                    status="active",
                    registered_at=now,
                )
                .on_conflict_do_nothing()
            )
            for role in roles:
                scope = None if role == "network_admin" else org_id
                await session.execute(
                    insert(person_roles)
                    .values(person_id=sub, role=role, organisation_id=scope, granted_at=now)
                    .on_conflict_do_nothing()
                )
        return token(sub)

    return make


@pytest_asyncio.fixture
async def admin(person: PersonFactory) -> Headers:
    return await person("admin-1", "network_admin")
