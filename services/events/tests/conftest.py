"""Fixtures of the events service's tests: its app on the real PostgreSQL and Kafka (relay off, so tests read
what the outbox holds; the sweep loop slowed down, so tests sweep at a time of their choosing), and a `network`
that plays membership: it feeds organisation, group and person events through the service's own handlers."""

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest_asyncio
from npd_contracts import (
    Envelope,
    EventData,
    GroupCreated,
    GroupKind,
    GroupRole,
    JoinPolicy,
    MemberJoined,
    OrganisationKind,
    PersonJoinedGroup,
    PersonRegistered,
    PersonRoleGranted,
    Role,
)
from npd_events.config import EventsSettings
from npd_events.main import create_app, spec
from npd_runtime.outbox import OUTBOX
from sqlalchemy import select

Headers = dict[str, str]


class Network:
    """Membership's side of things, as events handled by the events service's consumer handlers."""

    def __init__(self, app: Any, token: Callable[..., Headers]) -> None:
        self.app, self.token = app, token
        self.handlers = spec(app.state.settings).consumes

    async def deliver(self, *events: EventData) -> None:
        async with self.app.state.sessions() as session, session.begin():
            for event in events:
                await self.handlers[type(event)](session, [Envelope(data=event, source="/npd/membership")])

    async def organisation(
        self,
        name: str | None = None,
        kind: OrganisationKind = OrganisationKind.MUNICIPALITY,
        joined_at: datetime | None = None,
    ) -> UUID:
        org = uuid4()
        name = name or f"Gemeente {org.hex[:6]}"
        await self.deliver(
            MemberJoined(
                organisation_id=org,
                name=name,
                kind=kind,
                contact_person_id=f"contact-{org.hex[:6]}",
                joined_at=joined_at or datetime.now(UTC),
            )
        )
        return org

    async def group(self, kind: GroupKind = GroupKind.WORKING_GROUP) -> UUID:
        group = uuid4()
        await self.deliver(
            GroupCreated(
                group_id=group,
                name=f"Werkgroep {group.hex[:6]}",
                kind=kind,
                topic="Audit",
                joining=JoinPolicy.OPEN,
                created_at=datetime.now(UTC),
            )
        )
        return group

    async def person(
        self, *roles: Role, org: UUID | None = None, groups: dict[UUID, GroupRole] | None = None, sub: str | None = None
    ) -> tuple[str, Headers]:
        """A person of the network (with `roles`, at least member unless network_admin) and their token."""
        person = sub or f"p-{uuid4().hex[:10]}"
        now = datetime.now(UTC)
        org = org if org is not None or Role.NETWORK_ADMIN in roles else uuid4()
        events: list[EventData] = [
            PersonRegistered(person_id=person, organisation_id=org, name=person, language="nl", registered_at=now)
        ]
        for role in roles or (Role.MEMBER,):
            scope = None if role is Role.NETWORK_ADMIN else org
            events.append(PersonRoleGranted(person_id=person, role=role, organisation_id=scope, granted_at=now))
        for group, group_role in (groups or {}).items():
            events.append(PersonJoinedGroup(person_id=person, group_id=group, role=group_role, joined_at=now))
        await self.deliver(*events)
        return person, self.token(person)

    async def outbox_position(self) -> int:
        async with self.app.state.sessions() as session:
            return int(await session.scalar(select(OUTBOX.c.position).order_by(OUTBOX.c.position.desc()).limit(1)) or 0)

    async def published(self, since: int, type_suffix: str = "") -> list[tuple[str, dict[str, Any]]]:
        """(type, data) of the events written to the outbox after position `since`, in order."""
        async with self.app.state.sessions() as session:
            rows = await session.execute(
                select(OUTBOX.c.type, OUTBOX.c.data).where(OUTBOX.c.position > since).order_by(OUTBOX.c.position)
            )
            return [(t, json.loads(d)) for t, d in rows if t.endswith(type_suffix)]


@pytest_asyncio.fixture(scope="module")
async def app_and_client(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    settings = EventsSettings(**service_settings("events", relay_enabled=False, sweep_interval_s=3600))
    app = create_app(settings)
    async with run_app(app) as client:
        yield app, client


@pytest_asyncio.fixture
async def client(app_and_client: tuple[Any, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_client[1]


@pytest_asyncio.fixture
async def network(app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]) -> Network:
    return Network(app_and_client[0], token)


@pytest_asyncio.fixture
async def network_of(token: Callable[..., Headers]) -> Callable[[Any], Network]:
    """The network helper for an app of the test's own."""
    return lambda app: Network(app, token)


def soon(days: float = 7, hour: int = 10) -> datetime:
    """A local time (Europe/Amsterdam, naive) some days ahead, on the hour."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0, tzinfo=None)
