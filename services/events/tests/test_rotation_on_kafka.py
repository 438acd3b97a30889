"""A quarterly network meeting over two years, its guest chair rotating over the member municipalities, while
members join and leave: membership's events arrive through the real broker, time is moved by sweeping at the
moment each occurrence's chair falls due. This module runs its own app on a database of its own, so the
network consists of exactly the organisations it admits.
"""

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from npd_contracts import Envelope, MemberJoined, MemberLeft, OrganisationKind, Role, encode
from npd_contracts.membership import LeaveReason
from npd_contracts.topics import MEMBERSHIP_ORGANISATION
from npd_events.config import EventsSettings
from npd_events.main import create_app
from npd_events.models import organisations
from npd_events.sweep import sweep
from sqlalchemy import select

Headers = dict[str, str]
SERVICE_DIR = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def own_database(postgres_cluster: Any) -> str:
    url: str = postgres_cluster.create_database(f"events_rotation_{uuid4().hex[:8]}")
    env = os.environ | {"EVENTS_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(SERVICE_DIR / "alembic.ini"), "upgrade", "head"],
        env=env,
        check=True,
        capture_output=True,
    )
    return url


@pytest_asyncio.fixture(scope="module")
async def rotation_app(
    own_database: str, service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    url = own_database
    settings = service_settings("events", relay_enabled=False, sweep_interval_s=3600) | {"database_url": url}
    app = create_app(EventsSettings(**settings))
    async with run_app(app) as client:
        yield app, client


async def send(producer: AIOKafkaProducer, event: MemberJoined | MemberLeft) -> None:
    key, value, headers = encode(Envelope(data=event, source="/npd/membership"))
    await producer.send_and_wait(MEMBERSHIP_ORGANISATION.name, value=value, key=key, headers=headers)


async def status_of(app: Any, org: UUID) -> str | None:
    async with app.state.sessions() as session:
        return await session.scalar(select(organisations.c.status).where(organisations.c.id == org))


async def test_a_quarterly_series_rotates_its_guest_chair_fairly_while_members_join_and_leave(
    rotation_app: tuple[Any, httpx.AsyncClient],
    kafka_producer: AIOKafkaProducer,
    wait_for: Callable[..., Any],
    network_of: Callable[[Any], Any],
) -> None:
    app, client = rotation_app
    network = network_of(app)
    base = datetime.now(UTC) - timedelta(days=30)

    async def join(name: str, kind: OrganisationKind = OrganisationKind.MUNICIPALITY, days: int = 0) -> UUID:
        org = uuid4()
        event = MemberJoined(
            organisation_id=org,
            name=name,
            kind=kind,
            contact_person_id=f"c-{org.hex[:6]}",
            joined_at=base + timedelta(days=days),
        )
        await send(kafka_producer, event)
        await wait_for(lambda: status_of(app, org))
        return org

    async def leave(org: UUID, at: datetime) -> None:
        event = MemberLeft(organisation_id=org, reason=LeaveReason.WITHDREW, left_at=at)
        await send(kafka_producer, event)

        async def gone() -> bool:
            return await status_of(app, org) == "left"

        await wait_for(gone)

    a, b, c = (
        await join("Gemeente Almere", days=0),
        await join("Gemeente Breda", days=1),
        await join("Gemeente Capelle", days=2),
    )
    await join("Provincie Drenthe", OrganisationKind.PROVINCE, days=3)  # not a municipality: never asked
    _, admin = await network.person(Role.NETWORK_ADMIN)

    first = (datetime.now(UTC) + timedelta(days=10)).replace(tzinfo=None, hour=14, minute=0, second=0, microsecond=0)
    body = {
        "title": "Netwerkbijeenkomst",
        "format": "network_meeting",
        "audience": "network",
        "online": True,
        "rule": "FREQ=MONTHLY;INTERVAL=3;COUNT=8",
        "starts_at": first.isoformat(),
        "duration_minutes": 180,
        "guest_chair_kinds": ["municipality"],
        "chair_lead_days": 30,
    }
    created = await client.post("/v1/series", json=body, headers=admin)
    assert created.status_code == 201, created.text
    series = created.json()["id"]

    async def occurrences() -> list[dict[str, Any]]:
        page = await client.get(f"/v1/meetings?series_id={series}&limit=20", headers=admin)
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    async def chair_of(meeting: dict[str, Any]) -> UUID | None:
        fresh = (await client.get(f"/v1/meetings/{meeting['id']}", headers=admin)).json()
        return None if fresh["guest_chair_organisation_id"] is None else UUID(fresh["guest_chair_organisation_id"])

    async def sweep_before(meeting: dict[str, Any]) -> None:
        at = datetime.fromisoformat(meeting["starts_at"]) - timedelta(days=20)
        async with app.state.sessions() as session, session.begin():
            await sweep(session, at, horizon_days=400)

    chairs: list[UUID | None] = []
    meetings = await occurrences()
    chairs.append(await chair_of(meetings[0]))  # asked when the series was created: it falls due within 30 days
    await sweep_before(meetings[1])
    chairs.append(await chair_of(meetings[1]))
    d = await join("Gemeente Delft", days=40)  # joins in the first round: asked before anyone's second turn
    for i in (2, 3, 4, 5):
        await sweep_before(meetings[i])
        meetings = await occurrences()  # sweeping later in time materialises the occurrences further ahead
        chairs.append(await chair_of(meetings[i]))
    # Breda is asked for the sixth meeting, then leaves the network: the next organisation is asked instead.
    assert chairs[5] == b
    await leave(b, datetime.fromisoformat(meetings[5]["starts_at"]) - timedelta(days=15))
    chairs[5] = await chair_of(meetings[5])
    await sweep_before(meetings[6])
    meetings = await occurrences()
    # Delft declines the seventh: it had its turn in this round, and is not asked for this meeting again.
    assert await chair_of(meetings[6]) == d
    _, delft_admin = await network.person(Role.ORG_ADMIN, org=d)
    declined = await client.post(f"/v1/meetings/{meetings[6]['id']}/guest-chair/decline", headers=delft_admin)
    assert declined.status_code == 200, declined.text
    chairs.append(await chair_of(meetings[6]))
    await sweep_before(meetings[7])
    chairs.append(await chair_of((await occurrences())[7]))

    assert len(meetings) == 8
    assert chairs == [a, b, c, d, a, c, a, d]
    history = (await client.get(f"/v1/series/{series}/guest-chairs", headers=admin)).json()
    assert [(UUID(h["organisation_id"]), h["round"], h["status"]) for h in history] == [
        (a, 1, "assigned"),
        (b, 1, "assigned"),
        (c, 1, "assigned"),
        (d, 1, "assigned"),
        (a, 2, "assigned"),
        (b, 2, "left"),
        (c, 2, "assigned"),
        (d, 2, "declined"),
        (a, 3, "assigned"),
        (d, 3, "assigned"),
    ]
