"""Across services on the real broker: admitting an organisation in membership welcomes its contact in
notifications, and no crash between commit and publish loses or doubles that welcome.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from npd_membership.config import MembershipSettings
from npd_membership.main import create_app as membership_app
from npd_notifications.config import NotificationsSettings
from npd_notifications.main import create_app as notifications_app
from npd_notifications.rebuild import skip_to_the_end
from npd_runtime.outbox import OUTBOX as outbox
from npd_runtime.relay import OutboxRelay
from sqlalchemy import insert, select

Headers = dict[str, str]


@dataclass
class Flow:
    membership: FastAPI
    notifications: FastAPI
    members: httpx.AsyncClient
    inbox: httpx.AsyncClient
    contact: Headers
    admin: Headers

    async def apply_and_admit(self) -> str:
        body = {
            "name": f"Gemeente {uuid4().hex[:8]}",
            "kind": "municipality",
            "contact_name": "Anna de Vries",
            "contact_email": "c@example.nl",
        }
        applied = await self.members.post("/v1/organisations", json=body, headers=self.contact)
        assert applied.status_code == 201, applied.text
        org_id: str = applied.json()["id"]
        admitted = await self.members.post(f"/v1/organisations/{org_id}/admit", headers=self.admin)
        assert admitted.status_code == 200, admitted.text
        return org_id

    async def welcomes(self, org_id: str) -> list[dict[str, Any]]:
        response = await self.inbox.get("/v1/inbox", headers=self.contact)
        if response.status_code == 403:  # the contact's roles have not reached notifications yet
            return []
        assert response.status_code == 200, response.text
        page = response.json()
        return [n for n in page["items"] if n["organisation_id"] == org_id and n["kind"] == "member_joined.welcome"]

    async def outbox_rows(self, org_id: str) -> list[Any]:
        async with self.membership.state.sessions() as session:
            return list((await session.execute(select(outbox).where(outbox.c.key == org_id))).all())

    async def outbox_empty(self, org_id: str) -> bool:
        return not await self.outbox_rows(org_id)

    def duplicates_seen(self) -> float:
        labels = {
            "topic": "npd.membership.organisation",
            "type": "nl.npd.membership.member-joined.v1",
            "outcome": "duplicate",
        }
        registry = self.notifications.state.metrics.registry
        return registry.get_sample_value("npd_notifications_events_consumed_total", labels) or 0.0

    @contextlib.asynccontextmanager
    async def relay_running(self) -> AsyncIterator[None]:
        """The membership relay, (re)started by hand in a process whose own relay was switched off."""
        messaging = self.membership.state.messaging
        async with asyncio.timeout(20):
            while messaging.producer is None:  # noqa: ASYNC110 - started in the background with the app
                await asyncio.sleep(0.05)
        relay = OutboxRelay(
            service="membership",
            database_url=self.membership.state.settings.database_url,
            producer=messaging.producer,
            metrics=self.membership.state.metrics,
        )
        task = asyncio.create_task(relay.run())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
def both_services(
    service_settings: Callable[..., dict[str, Any]],
    run_app: Callable[..., Any],
    token: Callable[..., Headers],
    wait_for: Callable[..., Any],
) -> Callable[..., contextlib.AbstractAsyncContextManager[Flow]]:
    @contextlib.asynccontextmanager
    async def start(*, relay_enabled: bool) -> AsyncIterator[Flow]:
        settings = service_settings("membership", relay_enabled=relay_enabled, network_admins=("admin",))
        membership = membership_app(MembershipSettings(**settings))
        inbox_settings = NotificationsSettings(**service_settings("notifications"))
        await skip_to_the_end(inbox_settings)  # not the thousands of events earlier tests left, each notifying
        notifications = notifications_app(inbox_settings)
        async with run_app(membership) as members, run_app(notifications) as inbox:
            await wait_for(lambda: _ready(members))  # membership has made "admin" a network admin
            contact, admin = token(f"contact-{uuid4().hex[:6]}"), token("admin")
            yield Flow(membership, notifications, members, inbox, contact, admin)

    return start


async def test_admitting_an_organisation_welcomes_its_contact_in_the_inbox(
    both_services: Callable[..., Any], wait_for: Callable[..., Any]
) -> None:
    async with both_services(relay_enabled=True) as flow:
        org_id = await flow.apply_and_admit()
        found = await wait_for(lambda: flow.welcomes(org_id))
    assert len(found) == 1
    assert found[0]["title"] == "Welkom bij het Netwerk Publieke Dienstverleners"  # the contact's language: nl


async def test_an_event_committed_while_the_relay_was_down_is_published_once_it_is_back(
    both_services: Callable[..., Any], wait_for: Callable[..., Any]
) -> None:
    async with both_services(relay_enabled=False) as flow:
        # The relay is stopped: the admission commits, its events wait in the outbox.
        org_id = await flow.apply_and_admit()
        assert len(await flow.outbox_rows(org_id)) == 2
        await asyncio.sleep(1.0)
        assert await flow.welcomes(org_id) == []

        async with flow.relay_running():  # the relay is back
            await wait_for(lambda: flow.welcomes(org_id))
            await wait_for(lambda: flow.outbox_empty(org_id))
        assert len(await flow.welcomes(org_id)) == 1


async def test_a_crash_after_publishing_but_before_marking_sent_republishes_and_is_consumed_once(
    both_services: Callable[..., Any], wait_for: Callable[..., Any]
) -> None:
    async with both_services(relay_enabled=False) as flow:
        org_id = await flow.apply_and_admit()
        unsent = await flow.outbox_rows(org_id)
        async with flow.relay_running():
            await wait_for(lambda: flow.welcomes(org_id))
            await wait_for(lambda: flow.outbox_empty(org_id))
            handled_twice = flow.duplicates_seen()
            # As if the relay died before its DELETE committed: the rows are back and go out again.
            async with flow.membership.state.sessions() as session, session.begin():
                rows = [{k: v for k, v in r._mapping.items() if k != "position"} for r in unsent]
                await session.execute(insert(outbox), rows)
            await wait_for(lambda: _above(flow.duplicates_seen, handled_twice))
        assert len(await flow.welcomes(org_id)) == 1


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def _above(measure: Callable[[], float], floor: float) -> bool:
    return measure() > floor


async def test_without_its_database_a_service_is_not_ready_and_answers_503_not_500(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any], token: Callable[..., Headers]
) -> None:
    broken = service_settings("membership") | {"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    body = {
        "name": "Gemeente Nergens",
        "kind": "municipality",
        "contact_name": "Anna de Vries",
        "contact_email": "c@example.nl",
    }
    async with run_app(membership_app(MembershipSettings(**broken))) as client:
        ready = await client.get("/readyz")
        applied = await client.post("/v1/organisations", json=body, headers=token("applicant"))
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "failing", "start_up": "pending"}
    assert set(ready.json()["info"]) == {"kafka", "relay"}
    assert applied.status_code == 503
    assert applied.headers["retry-after"] == "5"
    assert applied.json()["type"] == "urn:npd:problem:unavailable"


async def test_without_kafka_a_service_starts_is_ready_and_keeps_writes_in_its_outbox(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any], token: Callable[..., Headers]
) -> None:
    no_broker = service_settings("membership") | {"kafka_bootstrap_servers": "127.0.0.1:1"}
    body = {
        "name": f"Gemeente {uuid4().hex[:8]}",
        "kind": "municipality",
        "contact_name": "Anna de Vries",
        "contact_email": "c@example.nl",
    }
    app = membership_app(MembershipSettings(**no_broker))
    async with run_app(app) as client:
        ready = await client.get("/readyz")
        applied = await client.post("/v1/organisations", json=body, headers=token("applicant"))
        status = (await client.get("/status")).json()
        async with app.state.sessions() as session:
            waiting = (await session.execute(select(outbox).where(outbox.c.key == applied.json()["id"]))).all()
    assert ready.status_code == 200
    assert ready.json()["info"]["kafka"] == "connecting"
    assert applied.status_code == 201
    assert len(waiting) == 1  # published once the broker is reachable
    assert status["kafka"]["state"] == "connecting"
