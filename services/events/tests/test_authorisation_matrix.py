"""Who may call what, as a table: every events endpoint that changes or reveals something, by every kind of
caller. Each row names the callers it allows; every other caller must get the refusal it states. "Allowed"
means the call got past authorisation: a 2xx, or a 409 that the object's state explains (registered already,
the meeting has not started). Each allowed caller of a changing call gets a fresh world.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from npd_contracts import GroupRole, Role

Headers = dict[str, str]
CALLERS = ("network_admin", "board", "chair", "group_member", "own_admin", "other_admin", "member", "self", "outsider")
IN_NETWORK = frozenset(CALLERS) - {"outsider"}
ORGANISERS = frozenset({"network_admin", "board"})


@dataclass
class World:
    org: str  # has a venue; own_admin administers it
    group: str  # chaired by `chair`, with `group_member` in it
    venue: str
    meetings: dict[str, str]  # audience -> a meeting for it (group: the group's)
    series: str
    self_id: str  # registered for the network meeting
    callers: dict[str, Headers] = field(default_factory=dict)


def _meeting(audience: str, **fields: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=9)).replace(microsecond=0)
    return {
        "title": f"Voor {audience}",
        "format": "knowledge_session",
        "audience": audience,
        "online": True,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        **fields,
    }


SERIES = {
    "title": "Maandelijks",
    "format": "network_meeting",
    "online": True,
    "rule": "FREQ=MONTHLY;COUNT=3",
    "starts_at": (datetime.now(UTC) + timedelta(days=5)).replace(tzinfo=None, microsecond=0).isoformat(),
    "duration_minutes": 60,
}


async def make_world(client: httpx.AsyncClient, network: Any) -> World:
    org, other = await network.organisation(), await network.organisation()
    group = await network.group()
    callers: dict[str, Headers] = {}
    _, callers["network_admin"] = await network.person(Role.NETWORK_ADMIN)
    _, callers["board"] = await network.person(Role.BOARD_MEMBER, Role.MEMBER, org=other)
    _, callers["chair"] = await network.person(org=org, groups={group: GroupRole.CHAIR})
    _, callers["group_member"] = await network.person(org=other, groups={group: GroupRole.MEMBER})
    _, callers["own_admin"] = await network.person(Role.ORG_ADMIN, Role.MEMBER, org=org)
    _, callers["other_admin"] = await network.person(Role.ORG_ADMIN, Role.MEMBER, org=other)
    _, callers["member"] = await network.person(org=org)
    self_id, callers["self"] = await network.person(org=org)
    callers["outsider"] = network.token(f"outsider-{self_id}")
    admin = callers["network_admin"]
    venue_body = {
        "organisation_id": str(org),
        "name": "Raadzaal",
        "address": "Markt 1",
        "postal_code": "1234 AB",
        "city": "Ede",
    }
    venue = (await client.post("/v1/venues", json=venue_body, headers=admin)).json()["id"]
    meetings = {}
    for audience in ("network", "board", "public"):
        meetings[audience] = (await client.post("/v1/meetings", json=_meeting(audience), headers=admin)).json()["id"]
    group_meeting = _meeting("group", host_group_id=str(group))
    meetings["group"] = (await client.post("/v1/meetings", json=group_meeting, headers=admin)).json()["id"]
    series = (await client.post("/v1/series", json=SERIES, headers=admin)).json()["id"]
    assert (
        await client.post(f"/v1/meetings/{meetings['network']}/registrations", headers=callers["self"])
    ).status_code == 201
    return World(str(org), str(group), venue, meetings, series, self_id, callers)


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: Callable[[World], str]
    allowed: frozenset[str]
    refusal: int = 403
    body: Callable[[World], dict[str, Any]] | None = None
    changes: bool = True
    exceptions: tuple[tuple[str, int], ...] = ()  # callers refused otherwise than by `refusal`

    def refusal_for(self, caller: str) -> int:
        return dict(self.exceptions).get(caller, self.refusal)


# Who may not see the meeting at all is told there is none (decision 98): no existence oracle.
UNSEEN = (("outsider", 404),)


def _attendance(w: World) -> dict[str, Any]:
    return {"attendance": [{"person_id": w.self_id, "attended": True}]}


ROWS = [
    Row("schedule a network meeting", "POST", lambda w: "/v1/meetings", ORGANISERS, body=lambda w: _meeting("network")),
    Row(
        "schedule a group's meeting",
        "POST",
        lambda w: "/v1/meetings",
        frozenset({"network_admin", "chair"}),
        body=lambda w: _meeting("group", host_group_id=w.group),
    ),
    Row(
        "change a group's meeting",
        "PUT",
        lambda w: f"/v1/meetings/{w.meetings['group']}",
        frozenset({"network_admin", "chair"}),
        body=lambda w: _meeting("group", host_group_id=w.group, title="Verzet"),
    ),
    Row(
        "cancel a network meeting",
        "POST",
        lambda w: f"/v1/meetings/{w.meetings['network']}/cancel",
        ORGANISERS,
        body=lambda w: {"reason": "Ziek"},
    ),
    Row("read a board meeting", "GET", lambda w: f"/v1/meetings/{w.meetings['board']}", IN_NETWORK, 404, changes=False),
    Row(
        "read a public meeting",
        "GET",
        lambda w: f"/v1/meetings/{w.meetings['public']}",
        frozenset(CALLERS),
        changes=False,
    ),
    Row(
        "register for a group's meeting",
        "POST",
        lambda w: f"/v1/meetings/{w.meetings['group']}/registrations",
        frozenset({"chair", "group_member"}),
        exceptions=UNSEEN,
    ),
    Row(
        "register for a board meeting",
        "POST",
        lambda w: f"/v1/meetings/{w.meetings['board']}/registrations",
        frozenset({"board"}),
        exceptions=UNSEEN,
    ),
    Row(
        "register for a network meeting",
        "POST",
        lambda w: f"/v1/meetings/{w.meetings['network']}/registrations",
        IN_NETWORK,
        exceptions=UNSEEN,
    ),
    Row(
        "register for a public meeting",
        "POST",
        lambda w: f"/v1/meetings/{w.meetings['public']}/registrations",
        frozenset(CALLERS),
    ),
    Row(
        "list who registered",
        "GET",
        lambda w: f"/v1/meetings/{w.meetings['network']}/registrations",
        ORGANISERS,
        changes=False,
    ),
    Row(
        "read someone's registration",
        "GET",
        lambda w: f"/v1/meetings/{w.meetings['network']}/registrations/{w.self_id}",
        ORGANISERS | {"self"},
        changes=False,
    ),
    Row(
        "cancel someone's registration",
        "DELETE",
        lambda w: f"/v1/meetings/{w.meetings['network']}/registrations/{w.self_id}",
        ORGANISERS | {"self"},
    ),
    Row(
        "record attendance",
        "PUT",
        lambda w: f"/v1/meetings/{w.meetings['network']}/attendance",
        ORGANISERS,
        body=_attendance,
    ),
    Row(
        "add a venue",
        "POST",
        lambda w: "/v1/venues",
        frozenset({"network_admin", "own_admin"}),
        body=lambda w: {
            "organisation_id": w.org,
            "name": "Zaal",
            "address": "Plein 2",
            "postal_code": "1234 AB",
            "city": "Ede",
        },
    ),
    Row(
        "change a venue",
        "PUT",
        lambda w: f"/v1/venues/{w.venue}",
        frozenset({"network_admin", "own_admin"}),
        body=lambda w: {"name": "Grote zaal", "address": "Markt 1", "postal_code": "1234 AB", "city": "Ede"},
    ),
    Row("retire a venue", "POST", lambda w: f"/v1/venues/{w.venue}/retire", frozenset({"network_admin", "own_admin"})),
    Row("list venues", "GET", lambda w: "/v1/venues", IN_NETWORK, changes=False),
    Row("start a series", "POST", lambda w: "/v1/series", ORGANISERS, body=lambda w: SERIES),
    Row("end a series", "POST", lambda w: f"/v1/series/{w.series}/end", ORGANISERS, body=lambda w: {"reason": "Klaar"}),
    Row(
        "read a series' guest chairs", "GET", lambda w: f"/v1/series/{w.series}/guest-chairs", IN_NETWORK, changes=False
    ),
]


async def call(client: httpx.AsyncClient, row: Row, world: World, caller: str) -> httpx.Response:
    body = row.body(world) if row.body else None
    return await client.request(row.method, row.path(world), json=body, headers=world.callers[caller])


def allowed(response: httpx.Response) -> bool:
    return response.is_success or response.status_code == 409


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
async def test_each_endpoint_allows_exactly_its_callers(client: httpx.AsyncClient, network: Any, row: Row) -> None:
    shared = await make_world(client, network)
    refused = {}
    for caller in CALLERS:
        if caller not in row.allowed:
            refused[caller] = (await call(client, row, shared, caller)).status_code
    assert refused == {caller: row.refusal_for(caller) for caller in refused}
    results = {}
    for caller in sorted(row.allowed):
        world = await make_world(client, network) if row.changes else shared
        response = await call(client, row, world, caller)
        results[caller] = (allowed(response), response.status_code, response.text[:200])
    assert {c: r for c, r in results.items() if not r[0]} == {}
