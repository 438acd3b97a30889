"""Who may call what, as a table: every membership endpoint by every kind of caller, own and other organisation.

Each row names the callers it allows; every other caller must get the refusal the row states (403 where the
caller may know the object exists, 404 where its existence is not theirs to know). "Allowed" means the call
got past authorisation: a 2xx, or a 409/410 that the object's state explains. Refusals run first on a shared
world, since a refused call changes nothing; each allowed caller of a changing call gets a fresh world.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import httpx
import pytest

Headers = dict[str, str]
CALLERS = ("network_admin", "own_admin", "own_board", "self", "other_admin", "other_member", "outsider")
REFUSED = {401, 403, 404}


@dataclass
class World:
    """Two member organisations (A: ours, B: another), an open application, and who is who."""

    org: str
    other_org: str
    application: str
    person: str  # a member of A, the `self` caller
    invitation: str
    code: str
    group: str  # an open working group chaired by A's board member, with the `self` caller as a member
    callers: dict[str, Headers] = field(default_factory=dict)


async def make_world(client: httpx.AsyncClient, token: Callable[..., Headers], admin: Headers) -> World:
    tag = uuid4().hex[:8]

    async def member_org(prefix: str) -> tuple[str, str]:
        contact = f"{prefix}-admin-{tag}"
        body = {"name": f"{prefix} {tag}", "kind": "municipality", "contact_name": "C", "contact_email": "c@x.nl"}
        org_id: str = (await client.post("/v1/organisations", json=body, headers=token(contact))).json()["id"]
        assert (await client.post(f"/v1/organisations/{org_id}/admit", headers=admin)).status_code == 200
        return org_id, contact

    async def join(org_id: str, org_admin: Headers, sub: str, role: str) -> None:
        body = {"email": "p@x.nl", "name": sub, "role": role}
        invited = (await client.post(f"/v1/organisations/{org_id}/invitations", json=body, headers=org_admin)).json()
        path = f"/v1/invitations/{invited['id']}/accept"
        assert (await client.post(path, json={"code": invited["code"]}, headers=token(sub))).status_code == 200

    org, own = await member_org("Gemeente A")
    other_org, other = await member_org("Gemeente B")
    own_admin = token(own, "org_admin", "member", org_id=org)
    other_admin = token(other, "org_admin", "member", org_id=other_org)
    person, board, other_member = f"self-{tag}", f"board-{tag}", f"other-{tag}"
    await join(org, own_admin, person, "member")
    await join(org, own_admin, board, "board_member")
    await join(other_org, other_admin, other_member, "member")
    body = {"name": f"Applicant {tag}", "kind": "province", "contact_name": "X", "contact_email": "x@x.nl"}
    application = (await client.post("/v1/organisations", json=body, headers=token(f"applicant-{tag}"))).json()["id"]
    invitation = (
        await client.post(
            f"/v1/organisations/{org}/invitations", json={"email": "n@x.nl", "name": "New"}, headers=own_admin
        )
    ).json()
    group_body = {"name": f"Audit {tag}", "kind": "working_group", "topic": "Audit", "chairs": [board]}
    group = (await client.post("/v1/groups", json=group_body, headers=admin)).json()["id"]
    assert (await client.post(f"/v1/groups/{group}/members", headers=token(person))).status_code == 201
    world = World(org, other_org, application, person, invitation["id"], invitation["code"], group)
    world.callers = {
        "network_admin": admin,
        "own_admin": own_admin,
        "own_board": token(board, "member", org_id=org),
        "self": token(person, "member", org_id=org),
        "other_admin": other_admin,
        "other_member": token(other_member, "member", org_id=other_org),
        "outsider": token(f"outsider-{tag}"),
    }
    return world


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    allowed: frozenset[str]
    refusal: int  # what every other caller gets
    body: Callable[[World], dict[str, Any] | None] = lambda w: None
    changes: bool = True
    exceptions: tuple[tuple[str, int], ...] = ()  # callers refused otherwise than `refusal`

    def url(self, world: World) -> str:
        return self.path.format(
            org=world.org,
            application=world.application,
            person=world.person,
            invitation=world.invitation,
            group=world.group,
        )


def row(method: str, path: str, allowed: str, refusal: int, **kw: Any) -> Row:
    return Row(method, path, frozenset(allowed.split()), refusal, **kw)


EVERYONE = " ".join(CALLERS)
IN_NETWORK = "network_admin own_admin own_board self other_admin other_member"
MANAGERS = "network_admin own_admin"
PROFILE = {"name": "Gemeente A-B", "kind": "municipality", "domains": ["housing"]}
ME = {"name": "Someone", "language": "nl", "visibility": "network"}
GROUP = {"topic": "HR", "description": "", "joining": "open"}
CHAIR = {"role": "chair"}

ROWS = [
    row("GET", "/v1/organisations", EVERYONE, 0, changes=False),
    row("GET", "/v1/organisations?status=applied", "network_admin", 403, changes=False),
    row("GET", "/v1/organisations/{org}", EVERYONE, 0, changes=False),
    row("GET", "/v1/organisations/{application}", "network_admin", 404, changes=False),
    row("GET", "/v1/organisations/{org}/history", MANAGERS, 404, changes=False),
    row("PUT", "/v1/organisations/{org}/profile", MANAGERS, 403, body=lambda w: PROFILE),
    row("POST", "/v1/organisations/{application}/admit", "network_admin", 403),
    row("POST", "/v1/organisations/{application}/reject", "network_admin", 403, body=lambda w: {"reason": "unknown"}),
    row("POST", "/v1/organisations/{org}/suspend", "network_admin", 403, body=lambda w: {"reason": "unpaid"}),
    row("POST", "/v1/organisations/{org}/reinstate", "network_admin", 403),
    row("POST", "/v1/organisations/{org}/leave", MANAGERS, 403),
    row("GET", "/v1/network/growth", EVERYONE, 0, changes=False),
    row("GET", "/v1/me", IN_NETWORK, 404, changes=False),
    row("PUT", "/v1/me", IN_NETWORK, 404, body=lambda w: ME),
    row("GET", "/v1/people/{person}/roles", "network_admin own_admin self", 404, changes=False),
    row("POST", "/v1/people/{person}/leave", "network_admin own_admin self", 404),
    row("POST", "/v1/people/{person}/erasure", "network_admin own_admin self", 404),
    row("PUT", "/v1/people/{person}/roles/adviser", MANAGERS, 404, exceptions=(("self", 403),)),
    row("DELETE", "/v1/people/{person}/roles/member", MANAGERS, 404, exceptions=(("self", 403),)),
    row("POST", "/v1/organisations/{org}/invitations", MANAGERS, 403, body=lambda w: {"email": "a@x.nl", "name": "A"}),
    row("GET", "/v1/organisations/{org}/invitations", MANAGERS, 403, changes=False),
    row("POST", "/v1/organisations/{org}/invitations/{invitation}/withdraw", MANAGERS, 403),
    # Anyone signed in may accept with the code (those already in the network get 409): the code is the key.
    row("POST", "/v1/invitations/{invitation}/accept", EVERYONE, 0, body=lambda w: {"code": w.code}),
    # Groups: the network sees them; network admins make and archive them; chairs run them.
    row("POST", "/v1/groups", "network_admin", 403, body=lambda w: {"name": f"G {uuid4()}", **GROUP, "kind": "board"}),
    row("GET", "/v1/groups", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/groups/{group}", IN_NETWORK, 403, changes=False),
    row("PUT", "/v1/groups/{group}", "network_admin own_board", 403, body=lambda w: {"name": f"G {uuid4()}", **GROUP}),
    row("POST", "/v1/groups/{group}/archive", "network_admin", 403),
    row("POST", "/v1/groups/{group}/members", IN_NETWORK, 403),
    row("GET", "/v1/groups/{group}/members", IN_NETWORK, 403, changes=False),
    row("PUT", "/v1/groups/{group}/members/{person}/role", "network_admin own_board", 403, body=lambda w: CHAIR),
    row("POST", "/v1/groups/{group}/members/{person}/approve", "network_admin own_board", 403),
    row("DELETE", "/v1/groups/{group}/members/{person}", "network_admin own_board self", 403),
    # The directory: for people of the network; the `self` caller is visible to the whole network.
    row("GET", "/v1/people", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/people/{person}", IN_NETWORK, 403, changes=False),
]


@pytest.fixture
def world_of(
    client: httpx.AsyncClient, token: Callable[..., Headers], admin: Headers
) -> Callable[[], Awaitable[World]]:
    return lambda: make_world(client, token, admin)


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
