"""Meetings, series and venues through the API: bad input gets precise problem details, a series keeps its
local time across daylight-saving changes, changes to one occurrence or to it and all following ones, and
cancellations, each with its events."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from npd_contracts import GroupRole, Role

Headers = dict[str, str]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def a_meeting(**fields: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=14)).replace(microsecond=0)
    return {
        "title": "Bestuursvergadering",
        "format": "board_meeting",
        "audience": "board",
        "online": True,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        **fields,
    }


def a_series(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Regiobijeenkomst",
        "format": "network_meeting",
        "online": True,
        "rule": "FREQ=WEEKLY;COUNT=10",
        "starts_at": (datetime.now(UTC) + timedelta(days=3))
        .replace(tzinfo=None, hour=19, minute=0, second=0, microsecond=0)
        .isoformat(),
        "duration_minutes": 90,
        **fields,
    }


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"ends_at": (datetime.now(UTC) + timedelta(days=13)).isoformat()}, "end-before-start"),
        ({"venue_id": str(uuid4())}, "unknown-venue"),
        ({"host_group_id": str(uuid4())}, "unknown-group"),
        ({"online": False}, "nowhere-to-meet"),
        ({"audience": "group"}, "group-audience-without-group"),
        ({"registration_deadline": (datetime.now(UTC) + timedelta(days=20)).isoformat()}, "deadline-after-start"),
    ],
)
async def test_a_meeting_that_cannot_be_gets_a_precise_problem(
    client: httpx.AsyncClient, network: Any, change: dict[str, Any], problem: str
) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    response = await client.post("/v1/meetings", json=a_meeting(**change), headers=admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"urn:npd:problem:{problem}"


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=WEEKLY;COUNT=2;UNTIL=20300101T000000Z",
        "FREQ=DAILY;BYSETPOS=2",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;UNTIL=20200101T000000Z",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;UNTIL=20300101",
    ],
)
async def test_an_invalid_recurrence_rule_is_refused_with_why(
    client: httpx.AsyncClient, network: Any, rule: str
) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    response = await client.post("/v1/series", json=a_series(rule=rule), headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "urn:npd:problem:invalid-recurrence-rule"
    assert rule in response.json()["detail"]


async def test_a_weekly_series_keeps_its_local_time_across_the_change_to_winter_time(
    client: httpx.AsyncClient, network: Any
) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    # The last Sunday of October: the clocks go back in the Netherlands, and a weekly series crosses it.
    year = datetime.now(UTC).year + 1
    october = datetime(year, 10, 31)
    change = october - timedelta(days=(october.weekday() + 1) % 7)
    start = (change - timedelta(days=14)).replace(hour=19)
    body = a_series(rule="FREQ=WEEKLY;COUNT=5", starts_at=start.isoformat())
    created = await client.post("/v1/series", json=body, headers=admin)
    assert created.status_code == 201, created.text
    page = (await client.get(f"/v1/meetings?series_id={created.json()['id']}", headers=admin)).json()
    starts = [datetime.fromisoformat(m["starts_at"]) for m in page["items"]]
    assert [s.astimezone(AMSTERDAM).hour for s in starts] == [19] * 5
    assert [s.astimezone(UTC).hour for s in starts] == [17, 17, 18, 18, 18]


async def test_changing_one_occurrence_makes_it_an_exception_that_later_series_changes_leave_alone(
    client: httpx.AsyncClient, network: Any
) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    created = (await client.post("/v1/series", json=a_series(rule="FREQ=WEEKLY;COUNT=4"), headers=admin)).json()
    items = (await client.get(f"/v1/meetings?series_id={created['id']}", headers=admin)).json()["items"]
    second, third = items[1], items[2]
    moved_start = datetime.fromisoformat(second["starts_at"]) + timedelta(hours=1)
    one = {k: second[k] for k in ("title", "format", "audience", "online")} | {
        "title": "Extra lang",
        "starts_at": moved_start.isoformat(),
        "ends_at": (moved_start + timedelta(hours=3)).isoformat(),
    }
    changed = await client.put(f"/v1/meetings/{second['id']}", json=one, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["detached"], changed.json()["sequence"]) == (True, 1)
    # Moved and retitled: a MeetingRescheduled, and a MeetingChanged that says only the title changed.
    [change] = await network.outbox("nl.npd.events.meeting-changed.v1", second["id"])
    assert change["changed"] == ["title"] and change["title"] == "Extra lang"
    cancelled = await client.post(f"/v1/meetings/{third['id']}/cancel", json={"reason": "Zomerreces"}, headers=admin)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    following = {"title": "Regiobijeenkomst (nieuw)", "format": "network_meeting", "online": True}
    following |= {"from_meeting_id": items[0]["id"], "start_time": "14:00", "duration_minutes": 60}
    response = await client.post(f"/v1/series/{created['id']}/following", json=following, headers=admin)
    assert response.status_code == 200, response.text
    after = (await client.get(f"/v1/meetings?series_id={created['id']}", headers=admin)).json()["items"]
    local = [
        (m["title"], m["status"], datetime.fromisoformat(m["starts_at"]).astimezone(AMSTERDAM).hour) for m in after
    ]
    assert local == [
        ("Regiobijeenkomst (nieuw)", "scheduled", 14),
        ("Extra lang", "scheduled", 20),  # the exception keeps its own title and time
        ("Regiobijeenkomst", "cancelled", 19),  # the cancelled one stays cancelled
        ("Regiobijeenkomst (nieuw)", "scheduled", 14),
    ]


async def test_cancelling_a_meeting_ends_every_registration_with_an_event_each(
    client: httpx.AsyncClient, network: Any
) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    m = (await client.post("/v1/meetings", json=a_meeting(audience="network", capacity=1), headers=admin)).json()
    for _ in range(2):
        _, headers = await network.person()
        await client.post(f"/v1/meetings/{m['id']}/registrations", headers=headers)
    since = await network.outbox_position()
    response = await client.post(f"/v1/meetings/{m['id']}/cancel", json={"reason": "Storm"}, headers=admin)
    assert response.status_code == 200
    events = [(t.split(".")[-2], d.get("reason"), d.get("was_waitlisted")) for t, d in await network.published(since)]
    assert events == [
        ("meeting-cancelled", "Storm", None),
        ("registration-cancelled", "meeting_cancelled", False),
        ("registration-cancelled", "meeting_cancelled", True),
    ]
    again = await client.post(f"/v1/meetings/{m['id']}/cancel", json={"reason": "Storm"}, headers=admin)
    assert again.status_code == 409 and again.json()["type"].endswith("meeting-cancelled")


async def test_an_organisations_admin_manages_its_venues_and_meetings_can_be_held_there(
    client: httpx.AsyncClient, network: Any
) -> None:
    org = await network.organisation()
    _, org_admin = await network.person(Role.ORG_ADMIN, org=org)
    _, other_admin = await network.person(Role.ORG_ADMIN, org=await network.organisation())
    venue = {
        "organisation_id": str(org),
        "name": "Stadhuis",
        "address": "Coolsingel 40",
        "postal_code": "3011 AD",
        "city": "Rotterdam",
    }
    assert (await client.post("/v1/venues", json=venue, headers=other_admin)).status_code == 403
    created = await client.post("/v1/venues", json=venue, headers=org_admin)
    assert created.status_code == 201, created.text
    group = await network.group()
    _, chair = await network.person(groups={group: GroupRole.CHAIR})
    body = a_meeting(audience="group", host_group_id=str(group), venue_id=created.json()["id"], online=False)
    held = await client.post("/v1/meetings", json=body, headers=chair)
    assert held.status_code == 201, held.text
    assert (await client.post(f"/v1/venues/{created.json()['id']}/retire", headers=org_admin)).status_code == 200
    refused = await client.post("/v1/meetings", json=body, headers=chair)
    assert refused.status_code == 422 and refused.json()["type"].endswith("unknown-venue")
