"""Across services on the real broker: admitting an organisation in membership welcomes its contact in
notifications, and no crash between commit and publish loses or doubles that welcome.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import httpx
from npd_membership.config import MembershipSettings
from npd_membership.main import create_app as membership_app
from npd_membership.models import outbox
from npd_notifications.config import NotificationsSettings
from npd_notifications.main import create_app as notifications_app
from npd_runtime.relay import OutboxRelay
from sqlalchemy import insert, select

Headers = dict[str, str]


async def apply_and_admit(client: httpx.AsyncClient, contact: Headers, admin: Headers) -> str:
    body = {"name": f"Gemeente {uuid4().hex[:8]}", "kind": "municipality", "contact_email": "c@example.nl"}
    applied = await client.post("/v1/organisations", json=body, headers=contact)
    assert applied.status_code == 201, applied.text
    org_id: str = applied.json()["id"]
    admitted = await client.post(f"/v1/organisations/{org_id}/admit", headers=admin)
    assert admitted.status_code == 200, admitted.text
    return org_id


async def welcomes(inbox: httpx.AsyncClient, contact: Headers, org_id: str) -> list[dict[str, Any]]:
    page = (await inbox.get("/v1/inbox", headers=contact)).json()
    return [n for n in page["items"] if n["organisation_id"] == org_id and n["kind"] == "welcome"]


async def test_admitting_an_organisation_welcomes_its_contact_in_the_inbox(
    service_settings: Callable[..., dict[str, Any]],
    run_app: Callable[..., Any],
    token: Callable[..., Headers],
    wait_for: Callable[..., Any],
) -> None:
    contact, admin = token(f"contact-{uuid4().hex[:6]}"), token("admin", "network_admin")
    membership = membership_app(MembershipSettings(**service_settings("membership")))
    notifications = notifications_app(NotificationsSettings(**service_settings("notifications")))
    async with run_app(membership) as members, run_app(notifications) as inbox:
        org_id = await apply_and_admit(members, contact, admin)
        found = await wait_for(lambda: welcomes(inbox, contact, org_id))
    assert len(found) == 1
    assert found[0]["title"] == "Welcome to the Netwerk Publieke Dienstverleners"


async def outbox_rows(app: Any, org_id: str) -> list[Any]:
    async with app.state.sessions() as session:
        return list((await session.execute(select(outbox).where(outbox.c.key == org_id))).all())


@contextlib.asynccontextmanager
async def relay_running(app: Any) -> AsyncIterator[None]:
    """The membership relay, (re)started by hand in a process whose own relay was switched off."""
    relay = OutboxRelay(
        service="membership",
        database_url=app.state.settings.database_url,
        producer=app.state.producer,
        metrics=app.state.metrics,
    )
    task = asyncio.create_task(relay.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_an_event_committed_while_the_relay_was_down_is_published_once_it_is_back(
    service_settings: Callable[..., dict[str, Any]],
    run_app: Callable[..., Any],
    token: Callable[..., Headers],
    wait_for: Callable[..., Any],
) -> None:
    contact, admin = token(f"contact-{uuid4().hex[:6]}"), token("admin", "network_admin")
    # The relay is stopped: the admission commits, its event waits in the outbox.
    membership = membership_app(MembershipSettings(**service_settings("membership", relay_enabled=False)))
    notifications = notifications_app(NotificationsSettings(**service_settings("notifications")))
    async with run_app(membership) as members, run_app(notifications) as inbox:
        org_id = await apply_and_admit(members, contact, admin)
        assert len(await outbox_rows(membership, org_id)) == 2
        await asyncio.sleep(1.0)
        assert await welcomes(inbox, contact, org_id) == []

        async with relay_running(membership):  # the relay is back
            await wait_for(lambda: welcomes(inbox, contact, org_id))
            await wait_for(lambda: _empty(outbox_rows(membership, org_id)))
        assert len(await welcomes(inbox, contact, org_id)) == 1


async def _empty(rows: Any) -> bool:
    return not await rows


async def test_a_crash_after_publishing_but_before_marking_sent_republishes_and_is_consumed_once(
    service_settings: Callable[..., dict[str, Any]],
    run_app: Callable[..., Any],
    token: Callable[..., Headers],
    wait_for: Callable[..., Any],
) -> None:
    contact, admin = token(f"contact-{uuid4().hex[:6]}"), token("admin", "network_admin")
    membership = membership_app(MembershipSettings(**service_settings("membership", relay_enabled=False)))
    notifications = notifications_app(NotificationsSettings(**service_settings("notifications")))
    async with run_app(membership) as members, run_app(notifications) as inbox:
        org_id = await apply_and_admit(members, contact, admin)
        unsent = await outbox_rows(membership, org_id)
        async with relay_running(membership):
            await wait_for(lambda: welcomes(inbox, contact, org_id))
            await wait_for(lambda: _empty(outbox_rows(membership, org_id)))
            handled_twice = duplicates_seen(notifications)
            # As if the relay died before its DELETE committed: the rows are back and go out again.
            async with membership.state.sessions() as session, session.begin():
                await session.execute(
                    insert(outbox), [{k: v for k, v in r._mapping.items() if k != "position"} for r in unsent]
                )
            await wait_for(lambda: _more_duplicates(notifications, handled_twice))
        assert len(await welcomes(inbox, contact, org_id)) == 1


def duplicates_seen(app: Any) -> float:
    labels = {
        "topic": "npd.membership.organisation",
        "type": "nl.npd.membership.member-joined.v1",
        "outcome": "duplicate",
    }
    return app.state.metrics.registry.get_sample_value("npd_notifications_events_consumed_total", labels) or 0.0


async def _more_duplicates(app: Any, before: float) -> bool:
    return duplicates_seen(app) > before


async def test_the_services_report_ready_only_with_their_database_and_broker(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> None:
    broken = service_settings("membership") | {"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    async with run_app(membership_app(MembershipSettings(**broken))) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failing", "kafka": "ok"}
