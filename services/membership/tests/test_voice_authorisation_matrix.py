"""Who may call what, as a table, for positions, mandates and mobility (issue 10): every new endpoint by every
kind of caller, own and other organisation, in the shape of test_authorisation_matrix.

Each row names the callers it allows; every other caller gets the row's refusal (403 where the caller may
know the object exists, 404 where its existence is not theirs to know), or the exception the row lists.
"Allowed" means the call got past authorisation: a 2xx, or a 409 that the object's state explains. Refusals
run first on a shared world; each allowed caller of a changing call gets a fresh world.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

Headers = dict[str, str]
CALLERS = ("network_admin", "own_admin", "own_board", "self", "other_admin", "other_member", "outsider")
REFUSED = {401, 403, 404}
EVERYONE = " ".join(CALLERS)
IN_NETWORK = "network_admin own_admin own_board self other_admin other_member"
GROUP = "network_admin own_board self"  # the owning group (chaired by own_board, self a member) and admins


@dataclass
class World:
    """Organisation A (ours: admin, board member, `self`) and B (another: admin, member); a working group G
    chaired by A's board member with `self` in it; a draft, a circulating and a published public position of
    G; an opportunity offered by B in which `self` is interested."""

    org: str
    other_org: str
    group: str
    draft: str
    circulating: str
    published: str
    opportunity: str
    interest: str
    self_id: str
    callers: dict[str, Headers] = field(default_factory=dict)


async def make_world(client: httpx.AsyncClient, person: Callable[..., Awaitable[Headers]], admin: Headers) -> World:
    tag = uuid4().hex[:8]
    org, other_org = uuid4(), uuid4()
    subs = {name: f"{name}-{tag}" for name in CALLERS}
    callers = {
        "network_admin": admin,
        "own_admin": await person(subs["own_admin"], "org_admin", org=org),
        "own_board": await person(subs["own_board"], "board_member", org=org),
        "self": await person(subs["self"], "member", org=org),
        "other_admin": await person(subs["other_admin"], "org_admin", org=other_org),
        "other_member": await person(subs["other_member"], "member", org=other_org),
        "outsider": await person(subs["outsider"]),
    }
    body = {"name": f"G {tag}", "kind": "working_group", "topic": "Data", "chairs": [subs["own_board"]]}
    group = (await client.post("/v1/groups", json=body, headers=admin)).json()["id"]
    assert (await client.post(f"/v1/groups/{group}/members", headers=callers["self"])).status_code == 201

    async def position(state: str) -> str:
        body = {"group_id": group, "title": f"Standpunt {state}", "text": "Wij vinden.\nDat."}
        made = (await client.post("/v1/positions", json=body, headers=callers["self"])).json()["id"]
        if state != "draft":
            deadline = (datetime.now(UTC) + timedelta(days=20)).isoformat()
            url = f"/v1/positions/{made}/circulate"
            assert (await client.post(url, json={"deadline": deadline}, headers=admin)).status_code == 200
        if state == "published":
            url = f"/v1/positions/{made}/publish"
            assert (await client.post(url, json={"public": True}, headers=admin)).status_code == 200
        position_id: str = made
        return position_id

    offer = {
        "organisation_id": str(other_org),
        "kind": "traineeship",
        "title": f"Traineeship {tag}",
        "expires_at": (datetime.now(UTC) + timedelta(days=20)).isoformat(),
    }
    opportunity = (await client.post("/v1/opportunities", json=offer, headers=callers["other_admin"])).json()["id"]
    interest = await client.post(f"/v1/opportunities/{opportunity}/interests", json={}, headers=callers["self"])
    world = World(
        str(org),
        str(other_org),
        group,
        await position("draft"),
        await position("circulating"),
        await position("published"),
        opportunity,
        interest.json()["id"],
        subs["self"],
    )
    world.callers = callers
    return world


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    allowed: frozenset[str]
    refusal: int
    body: Callable[[World], dict[str, Any] | None] = lambda w: None
    changes: bool = True
    exceptions: tuple[tuple[str, int], ...] = ()

    def url(self, w: World) -> str:
        return self.path.format(
            org=w.org,
            group=w.group,
            draft=w.draft,
            circulating=w.circulating,
            published=w.published,
            opportunity=w.opportunity,
            interest=w.interest,
        )


def row(method: str, path: str, allowed: str, refusal: int, **kw: Any) -> Row:
    return Row(method, path, frozenset(allowed.split()), refusal, **kw)


REVISION = {"title": "Standpunt, herzien", "text": "Wij vinden nu.\nDat.", "note": "herzien"}
LATER = {"deadline": (datetime.now(UTC) + timedelta(days=30)).isoformat()}
OUTSIDER_404 = (("outsider", 404),)

ROWS = [
    # Positions: drafts are their group's; circulating and published ones the network's.
    row("POST", "/v1/positions", GROUP, 403, body=lambda w: {"group_id": w.group, "title": "Nieuw", "text": "x"}),
    row("GET", "/v1/positions", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/positions/{draft}", GROUP, 404, changes=False),
    row("GET", "/v1/positions/{circulating}", IN_NETWORK, 404, changes=False),
    row("PUT", "/v1/positions/{draft}", GROUP, 404, body=lambda w: REVISION),
    row("PUT", "/v1/positions/{circulating}", GROUP, 403, body=lambda w: REVISION, exceptions=OUTSIDER_404),
    row("GET", "/v1/positions/{draft}/versions", GROUP, 404, changes=False),
    row("GET", "/v1/positions/{draft}/versions/1", GROUP, 404, changes=False),
    row("GET", "/v1/positions/{draft}/diff?from_version=1&to_version=1", GROUP, 404, changes=False),
    row("POST", "/v1/positions/{draft}/circulate", "network_admin own_board", 404, body=lambda w: LATER,
        exceptions=(("self", 403),)),
    # Only the organisation's mandated person votes for it: by default its board member.
    row("PUT", "/v1/positions/{circulating}/votes/{org}", "own_board", 403, body=lambda w: {"vote": "endorse"},
        exceptions=OUTSIDER_404),
    row("GET", "/v1/positions/{circulating}/votes", IN_NETWORK, 404, changes=False),
    row("GET", "/v1/positions/{circulating}/ballots", IN_NETWORK, 404, changes=False),
    row("POST", "/v1/positions/{circulating}/publish", "network_admin own_board", 403, body=lambda w: {},
        exceptions=OUTSIDER_404),
    row("GET", "/v1/public/positions", EVERYONE, 0, changes=False),
    row("GET", "/v1/public/positions/{published}", EVERYONE, 0, changes=False),
    row("GET", "/v1/organisations/{org}/mandate", "network_admin own_admin own_board self", 403, changes=False),
    row("PUT", "/v1/organisations/{org}/mandate", "network_admin own_admin", 403,
        body=lambda w: {"person_id": w.self_id}),
    row("DELETE", "/v1/organisations/{org}/mandate", "network_admin own_admin", 403),
    # Mobility: B offers; `self` (of A) is interested. Only B's admins (or its named contact) see who.
    row("POST", "/v1/opportunities", "network_admin other_admin", 403, body=lambda w: {
        "organisation_id": w.other_org, "kind": "vacancy", "title": "Vacature",
        "expires_at": (datetime.now(UTC) + timedelta(days=5)).isoformat()}),
    row("GET", "/v1/opportunities", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/opportunities/{opportunity}", IN_NETWORK, 403, changes=False),
    row("POST", "/v1/opportunities/{opportunity}/close", "network_admin other_admin", 403),
    row("POST", "/v1/opportunities/{opportunity}/interests", IN_NETWORK, 403, body=lambda w: {}),
    row("DELETE", "/v1/opportunities/{opportunity}/interests/mine", "self", 404, exceptions=(("outsider", 403),)),
    row("GET", "/v1/opportunities/{opportunity}/interests", "other_admin", 403, changes=False),
    row("POST", "/v1/opportunities/{opportunity}/interests/{interest}/answer", "other_admin", 403,
        body=lambda w: {"answer": "decline"}),
    row("GET", "/v1/me/interests", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/organisations/{org}/shared-interests", "own_admin", 403, changes=False),
]  # fmt: skip


@pytest.fixture
def world_of(
    client: httpx.AsyncClient, person: Callable[..., Awaitable[Headers]], admin: Headers
) -> Callable[[], Awaitable[World]]:
    return lambda: make_world(client, person, admin)


async def call(client: httpx.AsyncClient, r: Row, world: World, caller: str) -> httpx.Response:
    return await client.request(r.method, r.url(world), json=r.body(world), headers=world.callers[caller])


@pytest.mark.parametrize("r", ROWS, ids=lambda r: f"{r.method} {r.path}")
async def test_each_endpoint_allows_exactly_the_callers_its_row_names(
    client: httpx.AsyncClient, world_of: Callable[[], Awaitable[World]], r: Row
) -> None:
    shared = await world_of()
    exceptions = dict(r.exceptions)
    for caller in CALLERS:
        if caller in r.allowed:
            continue
        response = await call(client, r, shared, caller)
        expected = exceptions.get(caller, r.refusal)
        assert response.status_code == expected, f"{caller}: {response.status_code} {response.text}"
    for caller in sorted(r.allowed):
        world = await world_of() if r.changes else shared
        response = await call(client, r, world, caller)
        assert response.status_code not in REFUSED, f"{caller} was refused: {response.status_code} {response.text}"
        assert response.status_code < 500
