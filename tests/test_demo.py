"""`make demo` fills membership with the demo network through its API and announces it through notifications;
a second run adds nothing."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from npd_contracts import Envelope, PersonRegistered, PersonRoleGranted, Role
from npd_devstack.demo import seed
from npd_devstack.demo_data import announcement, organisations
from npd_devstack.issuer import DevIssuer
from npd_membership.config import MembershipSettings
from npd_membership.main import create_app
from npd_notifications.config import NotificationsSettings
from npd_notifications.handlers import event_handlers
from npd_notifications.main import create_app as notifications_app
from npd_runtime.access import with_access_handlers

PEOPLE = 1  # per organisation: the whole cast (about 3,000) is for `make demo`, not for every test run


async def test_the_demo_network_is_seeded_through_the_api_and_seeding_again_adds_nothing(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any], dev_issuer: DevIssuer
) -> None:
    settings = MembershipSettings(**service_settings("membership", relay_enabled=False, network_admins=("admin",)))
    app = create_app(settings)
    notifications = notifications_app(NotificationsSettings(**service_settings("notifications", sender_enabled=False)))
    async with run_app(app), run_app(notifications):
        # Membership's relay is off here: tell notifications' read model that `admin` is a network admin.
        now = datetime.now(UTC)
        joined = PersonRegistered(person_id="admin", organisation_id=None, name="A", language="nl", registered_at=now)
        grant = PersonRoleGranted(person_id="admin", role=Role.NETWORK_ADMIN, organisation_id=None, granted_at=now)
        handlers = with_access_handlers(event_handlers())
        async with notifications.state.sessions() as session, session.begin():
            for event in (joined, grant):
                await handlers[type(event)](session, [Envelope(data=event, source="/tests")])
        announcing = {
            "notifications": "http://notifications",
            "notifications_transport": httpx.ASGITransport(app=notifications),
        }
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://membership") as client:
            # Someone else applied under one of the demo's names (the API's own example): the seed adopts it.
            body = {"name": "Gemeente Utrecht", "kind": "municipality", "contact_name": "S", "contact_email": "s@x.nl"}
            someone = {"Authorization": f"Bearer {dev_issuer.mint('someone-else', [])}"}
            assert (await client.post("/v1/organisations", json=body, headers=someone)).status_code in (201, 409)
        first = await seed("http://membership", dev_issuer, transport=transport, people_per_org=PEOPLE, **announcing)
        again = await seed("http://membership", dev_issuer, transport=transport, people_per_org=PEOPLE, **announcing)
        admin = {"Authorization": f"Bearer {dev_issuer.mint('admin', ['network_admin'])}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://membership") as client:
            members = (await client.get("/v1/organisations?status=member&limit=1", headers=admin)).json()["total"]
            waiting = (await client.get("/v1/organisations?status=applied&limit=200", headers=admin)).json()
            board = await client.get(
                "/v1/me", headers={"Authorization": f"Bearer {dev_issuer.mint('demo-gemeente-utrecht-0', [])}"}
            )
        async with httpx.AsyncClient(transport=announcing["notifications_transport"], base_url="http://n") as client:
            inbox = (await client.get("/v1/inbox?limit=200", headers=admin)).json()["items"]
    expected = len(organisations())
    assert first["organisations"] == expected - 1  # Gemeente Utrecht was there already
    assert first["people"] == PEOPLE * (expected - 2)  # two organisations stay applications
    assert set(again.values()) == {0}, again  # the announcement too: its id is fixed
    assert [n["title"] for n in inbox].count(announcement()["title_nl"]) == 1
    assert members >= expected - 2
    assert {"Gemeente Assen", "Gemeente Veenendaal"} <= {o["name"] for o in waiting["items"]}
    assert {r["role"] for r in board.json()["roles"]} == {"board_member", "member"}
