"""`make demo` fills membership with the demo network, the events service with its year of meetings, and
announces it through notifications, through their APIs; a second run adds nothing."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from npd_contracts import Envelope, PersonRegistered, PersonRoleGranted, Role
from npd_devstack.demo import seed
from npd_devstack.demo_data import announcement, organisations
from npd_devstack.demo_voice import CIRCULATING, DRAFT, PUBLISHED
from npd_devstack.issuer import DevIssuer
from npd_events.config import EventsSettings
from npd_events.main import create_app as events_app
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
            positions = (await client.get("/v1/positions?limit=200", headers=admin)).json()["items"]
            states = {p["status"] for p in positions if p["title"] in (DRAFT, CIRCULATING, PUBLISHED)}
            public = {p["title"] for p in (await client.get("/v1/public/positions?limit=200")).json()["items"]}
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
    # One voice and staff mobility: a position in each state, open opportunities with interest.
    assert (first["positions"], first["opportunities"]) == (3, 4) and first["votes"] == 18, first
    assert first["interests"] == 12, first
    assert states == {"draft", "circulating", "published"} and PUBLISHED in public


async def test_the_demo_schedules_a_year_of_meetings_through_the_events_api_and_again_adds_nothing(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any], dev_issuer: DevIssuer
) -> None:
    # Membership's relay on: the events service learns the network (organisations, groups, roles) from Kafka.
    membership = create_app(MembershipSettings(**service_settings("membership", network_admins=("admin",))))
    events = events_app(EventsSettings(**service_settings("events", relay_enabled=False, sweep_interval_s=3600)))
    async with run_app(membership), run_app(events):
        transports = {
            "transport": httpx.ASGITransport(app=membership),
            "events_transport": httpx.ASGITransport(app=events),
        }
        admin = {"Authorization": f"Bearer {dev_issuer.mint('admin', [])}"}
        async with httpx.AsyncClient(transport=transports["events_transport"], base_url="http://events") as client:
            for _ in range(600):  # until the events service has learnt from membership that admin is a network admin
                listed = await client.get("/v1/series?limit=200", headers=admin)
                if listed.status_code == 200 and (await client.get("/v1/venues", headers=admin)).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            before = listed.json()["items"]
        first = await seed("http://membership", dev_issuer, events="http://events", people_per_org=PEOPLE, **transports)
        again = await seed("http://membership", dev_issuer, events="http://events", people_per_org=PEOPLE, **transports)
        async with httpx.AsyncClient(transport=transports["events_transport"], base_url="http://events") as client:
            series = {s["title"]: s for s in (await client.get("/v1/series?limit=200", headers=admin)).json()["items"]}
            network = series["Netwerkbijeenkomst"]["id"]
            chairs = (await client.get(f"/v1/series/{network}/guest-chairs", headers=admin)).json()
            board = (
                await client.get(f"/v1/meetings?series_id={series['Bestuursvergadering']['id']}", headers=admin)
            ).json()
    # Three network-wide series and five working groups' sessions, less any made by an earlier run on this database.
    demo_titles = {"Bestuursvergadering", "Netwerkbijeenkomst", "Bewonersavond: open overheid"}
    earlier = {s["title"] for s in before} & (demo_titles | {t for t in series if t.endswith(": werksessie")})
    assert first["series"] == 3 + 5 - len(earlier) and first["registrations"] > 0
    assert {again[k] for k in ("series", "venues", "registrations")} == {0}, again
    assert board["total"] == 12  # a year of board meetings, monthly on the second Tuesday
    # Every quarterly meeting within the horizon has a guest chair, each a different municipality (round 1).
    assert len(chairs) >= 4 and len({c["organisation_id"] for c in chairs}) == len(chairs)
    assert {c["round"] for c in chairs} == {1}
