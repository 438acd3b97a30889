"""Fixtures of the events tests: the app on the real PostgreSQL, people of the network as membership's events
make them, and the organisations, groups and meetings the service knows.

`network.person("ann", org=org_id, groups={g: "chair"})` delivers PersonRegistered, PersonRoleGranted and
PersonJoinedGroup through the access read model's own handlers and returns Authorization headers for them.
"""

import json
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest_asyncio
from npd_contracts import Envelope, EventData, GroupRole, PersonJoinedGroup, PersonRegistered, PersonRoleGranted, Role
from npd_events.config import EventsSettings
from npd_events.main import create_app
from npd_events.meetings.domain import Audience, Meeting, MeetingFormat, MeetingStatus, Venue
from npd_events.models import GROUPS, MEETINGS, ORGANISATIONS, VENUES
from npd_events.network.domain import Group, GroupKind, Organisation, OrganisationKind, OrganisationStatus
from npd_runtime.access import ACCESS_HANDLERS
from npd_runtime.outbox import OUTBOX
from sqlalchemy import select

Headers = dict[str, str]


@pytest_asyncio.fixture(scope="module")
async def app_and_client(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    # The relay is off so these tests can read what the outbox holds.
    app = create_app(EventsSettings(**service_settings("events", relay_enabled=False)))
    async with run_app(app) as client:
        yield app, client


@pytest_asyncio.fixture
async def client(app_and_client: tuple[Any, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_client[1]


class Network:
    """Builds the world a test needs, straight into the events service's tables and read models."""

    def __init__(self, app: Any, token: Callable[..., Headers]) -> None:
        self.app, self.token = app, token

    async def deliver(self, *events: EventData) -> None:
        async with self.app.state.sessions() as session, session.begin():
            for event in events:
                await ACCESS_HANDLERS[type(event)](session, [Envelope(data=event, source="/tests")])

    async def organisation(self, status: OrganisationStatus = OrganisationStatus.MEMBER) -> UUID:
        now = datetime.now(UTC)
        org = Organisation(uuid4(), f"Gemeente {uuid4().hex[:6]}", OrganisationKind.MUNICIPALITY, status, now, now)
        async with self.app.state.sessions() as session, session.begin():
            await ORGANISATIONS.insert(session, [org])
        return org.id

    async def group(self, kind: GroupKind = GroupKind.WORKING_GROUP, name: str | None = None) -> UUID:
        group = Group(uuid4(), name or f"Groep {uuid4().hex[:6]}", kind, False, datetime.now(UTC))
        async with self.app.state.sessions() as session, session.begin():
            await GROUPS.insert(session, [group])
        return group.id

    async def person(
        self,
        sub: str | None = None,
        *roles: str,
        org: UUID | None = None,
        groups: Mapping[UUID, str] | None = None,
    ) -> Headers:
        sub = sub or f"p-{uuid4().hex[:8]}"
        now = datetime.now(UTC) - timedelta(seconds=5)
        events: list[EventData] = [
            PersonRegistered(person_id=sub, organisation_id=org, name=sub, language="nl", registered_at=now)
        ]
        for role in roles or ("member",):
            role_org = None if role == "network_admin" else org
            events.append(PersonRoleGranted(person_id=sub, role=Role(role), organisation_id=role_org, granted_at=now))
        for group_id, group_role in (groups or {}).items():
            events.append(
                PersonJoinedGroup(person_id=sub, group_id=group_id, role=GroupRole(group_role), joined_at=now)
            )
        await self.deliver(*events)
        return self.token(sub)

    async def venue(self, organisation_id: UUID | None = None) -> Venue:
        venue = Venue(
            uuid4(),
            organisation_id or uuid4(),
            "Stadhuis",
            "Stadsplateau 1",
            "3521 AZ",
            "Utrecht",
            200,
            None,
            datetime.now(UTC),
            None,
        )
        async with self.app.state.sessions() as session, session.begin():
            await VENUES.insert(session, [venue])
        return venue

    async def meeting(self, **fields: Any) -> Meeting:
        starts = fields.pop("starts_at", datetime.now(UTC) + timedelta(days=60))
        values: dict[str, Any] = {
            "id": uuid4(),
            "series_id": None,
            "recurrence_id": None,
            "title": "Netwerkbijeenkomst",
            "description": "",
            "format": MeetingFormat.NETWORK_MEETING,
            "audience": Audience.NETWORK,
            "host_group_id": None,
            "venue_id": None,
            "online": True,
            "online_url": None,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=8),
            "time_zone": "Europe/Amsterdam",
            "capacity": None,
            "registration_deadline": None,
            "offer_hours": None,
            "status": MeetingStatus.SCHEDULED,
            "detached": False,
            "sequence": 0,
            "cancel_reason": None,
            "created_by": "scheduler",
            "created_at": datetime.now(UTC),
            "cancelled_at": None,
        }
        meeting = Meeting(**(values | fields))
        async with self.app.state.sessions() as session, session.begin():
            await MEETINGS.insert(session, [meeting])
        return meeting

    async def outbox(self, event_type: str, key: object) -> list[dict[str, Any]]:
        """The data of the outbox rows of this type and key, oldest first."""
        stmt = (
            select(OUTBOX.c.data)
            .where(OUTBOX.c.type == event_type, OUTBOX.c.key == str(key))
            .order_by(OUTBOX.c.position)
        )
        async with self.app.state.sessions() as session, session.begin():
            return [json.loads(data) for data in await session.scalars(stmt)]


@pytest_asyncio.fixture
async def network(app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]) -> Network:
    return Network(app_and_client[0], token)
