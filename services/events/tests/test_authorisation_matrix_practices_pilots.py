"""Who may call what, as a table: every practices and pilots endpoint by every kind of caller.

Each row names the callers it allows; every other caller gets the row's refusal (or its listed exception).
Someone without a token gets 401 from every endpoint outside /v1/public. A practice one may not read answers
404, exactly as one that does not exist (no existence oracle); one that one reads but may not change answers
403. "Allowed" means the call got past authorisation: a 2xx. Refusals run first on a shared world (a refused
call changes nothing); each allowed caller of a changing call gets a fresh world.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from .conftest import Network

Headers = dict[str, str]
CALLERS = (
    "network_admin",  # moderates: reads every label, withdraws any practice, registers for any member
    "author",  # shared the practices, a member of the group
    "group_member",  # of the group the group practice is shared with, another organisation
    "owner_admin",  # admin of the pilot's owner organisation, who registered it
    "adopter_admin",  # admin of an organisation that declared adoption of the pilot
    "other_member",  # of the network, in no group, of yet another organisation
    "outsider",  # a valid token, but not a person of the network
    "anonymous",  # no token at all
)
IN_NETWORK = "network_admin author group_member owner_admin adopter_admin other_member"
EVERYONE = " ".join(CALLERS)
GROUP_READERS = "network_admin author group_member"
OUTSIDER = (("outsider", 403),)
# Those who read the group practice but are not its author: they learn nothing new from a 403.
READERS_NOT_AUTHOR = (("group_member", 403), ("network_admin", 403), ("outsider", 403))
ALLOWED = range(200, 300)


@dataclass
class World:
    group: UUID
    owner: UUID
    adopter: UUID
    public: UUID
    network: UUID
    grouped: UUID
    chatham: UUID
    pilot: UUID
    callers: dict[str, Headers] = field(default_factory=dict)


def practice(label: str, group: UUID | None = None, **fields: Any) -> dict[str, Any]:
    body = {
        "title": f"Praktijk {label}",
        "tried": "Wij probeerden iets.",
        "themes": ["audit"],
        "label": label,
        "group_id": str(group) if group else None,
    }
    return body | fields


def pilot(owner: UUID, **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Pilot",
        "problem": "Een probleem.",
        "approach": "Een aanpak.",
        "supplier_name": "VNG Realisatie",
        "owner_organisation_id": str(owner),
    }
    return body | fields


async def make_world(client: httpx.AsyncClient, network: Network) -> World:
    group = await network.group()
    owner, adopter = await network.organisation(), await network.organisation()
    callers: dict[str, Headers] = {
        "network_admin": await network.member(None, "network_admin"),
        "author": await network.member(None, org=await network.organisation(), groups={group: "member"}),
        "group_member": await network.member(None, org=await network.organisation(), groups={group: "member"}),
        "owner_admin": await network.member(None, "org_admin", org=owner),
        "adopter_admin": await network.member(None, "org_admin", org=adopter),
        "other_member": await network.member(None, org=await network.organisation()),
        "outsider": network.token(f"outsider-{uuid4().hex[:8]}"),
        "anonymous": {},
    }
    ids = {}
    for label in ("public", "network", "group", "chatham_house"):
        body = practice(label, group if label == "group" else None)
        shared = await client.post("/v1/practices", json=body, headers=callers["author"])
        assert shared.status_code == 201, shared.text
        ids[label] = UUID(shared.json()["id"])
    registered = await client.post("/v1/pilots", json=pilot(owner), headers=callers["owner_admin"])
    assert registered.status_code == 201, registered.text
    pilot_id = UUID(registered.json()["id"])
    declared = await client.put(
        f"/v1/pilots/{pilot_id}/adoptions/{adopter}", json={"status": "started"}, headers=callers["adopter_admin"]
    )
    assert declared.status_code == 200, declared.text
    return World(
        group=group,
        owner=owner,
        adopter=adopter,
        public=ids["public"],
        network=ids["network"],
        grouped=ids["group"],
        chatham=ids["chatham_house"],
        pilot=pilot_id,
        callers=callers,
    )


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
            public=w.public,
            network=w.network,
            grouped=w.grouped,
            chatham=w.chatham,
            missing=uuid4(),
            pilot=w.pilot,
            adopter=w.adopter,
        )

    def expected(self, caller: str) -> int:
        exceptions = dict(self.exceptions)
        if caller == "anonymous" and not self.path.startswith("/v1/public"):
            return exceptions.get(caller, 401)
        return exceptions.get(caller, self.refusal)


def row(method: str, path: str, allowed: str, refusal: int, **kw: Any) -> Row:
    return Row(method, path, frozenset(allowed.split()), refusal, **kw)


EDIT = practice("network", title="Praktijk bijgewerkt")

ROWS = [
    # Practices: sharing, under the network label and for a group (its members only; network admins moderate).
    row("POST", "/v1/practices", IN_NETWORK, 403, body=lambda w: practice("network")),
    row("POST", "/v1/practices", GROUP_READERS, 403, body=lambda w: practice("group", w.group)),
    row("GET", "/v1/practices", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/practices?label=group", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/practices/{public}", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/practices/{network}", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/practices/{chatham}", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/practices/{grouped}", GROUP_READERS, 404, changes=False, exceptions=OUTSIDER),
    row("GET", "/v1/practices/{missing}", "", 404, changes=False, exceptions=OUTSIDER),
    # Only the author edits; who may not read the practice learns nothing (404).
    row("PUT", "/v1/practices/{network}", "author", 403, body=lambda w: EDIT),
    row("PUT", "/v1/practices/{public}", "author", 403, body=lambda w: practice("public", title="Nieuwe titel")),
    row("PUT", "/v1/practices/{chatham}", "author", 403, body=lambda w: practice("chatham_house", title="Nieuw")),
    row("PUT", "/v1/practices/{grouped}", "author", 404, body=lambda w: practice("group", w.group, title="Nieuw"),
        exceptions=READERS_NOT_AUTHOR),
    row("PUT", "/v1/practices/{missing}", "", 404, body=lambda w: EDIT, exceptions=OUTSIDER),
    # The author or a network admin withdraws.
    row("DELETE", "/v1/practices/{network}", "author network_admin", 403),
    row("DELETE", "/v1/practices/{chatham}", "author network_admin", 403),
    row("DELETE", "/v1/practices/{grouped}", "author network_admin", 404,
        exceptions=(("group_member", 403), ("outsider", 403))),
    row("DELETE", "/v1/practices/{missing}", "", 404, exceptions=OUTSIDER),
    # Without login only public practices exist; every other label is not found there, for everyone.
    row("GET", "/v1/public/practices", EVERYONE, 0, changes=False),
    row("GET", "/v1/public/practices/{public}", EVERYONE, 0, changes=False),
    row("GET", "/v1/public/practices/{network}", "", 404, changes=False),
    row("GET", "/v1/public/practices/{grouped}", "", 404, changes=False),
    row("GET", "/v1/public/practices/{chatham}", "", 404, changes=False),
    # Pilots: the owner's admins (or a network admin) register and change; everyone in the network reads and
    # follows; only an organisation's own admins declare its adoption, not even a network admin for it.
    row("POST", "/v1/pilots", "owner_admin network_admin", 403, body=lambda w: pilot(w.owner, title="Nog een")),
    row("GET", "/v1/pilots", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/pilots/{pilot}", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/pilots/{missing}", "", 404, changes=False, exceptions=OUTSIDER),
    row("PUT", "/v1/pilots/{pilot}", "owner_admin network_admin", 403,
        body=lambda w: pilot(w.owner, status="running")),
    row("PUT", "/v1/pilots/{pilot}/follow", IN_NETWORK, 403, changes=False),
    row("DELETE", "/v1/pilots/{pilot}/follow", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/pilots/{pilot}/adoptions", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/pilots/{pilot}/adoption-history", IN_NETWORK, 403, changes=False),
    row("PUT", "/v1/pilots/{pilot}/adoptions/{adopter}", "adopter_admin", 403, body=lambda w: {"status": "in_use"}),
    row("DELETE", "/v1/pilots/{pilot}/adoptions/{adopter}", "adopter_admin", 403),
]  # fmt: skip


@pytest.fixture
def world_of(client: httpx.AsyncClient, network: Network) -> Callable[[], Awaitable[World]]:
    return lambda: make_world(client, network)


async def call(client: httpx.AsyncClient, r: Row, world: World, caller: str) -> httpx.Response:
    return await client.request(r.method, r.url(world), json=r.body(world), headers=world.callers[caller])


@pytest.mark.parametrize("r", ROWS, ids=lambda r: f"{r.method} {r.path} by {'+'.join(sorted(r.allowed)) or 'nobody'}")
async def test_each_practice_and_pilot_endpoint_allows_exactly_the_callers_its_row_names(
    client: httpx.AsyncClient, world_of: Callable[[], Awaitable[World]], r: Row
) -> None:
    shared = await world_of()
    for caller in CALLERS:
        if caller in r.allowed:
            continue
        response = await call(client, r, shared, caller)
        assert response.status_code == r.expected(caller), f"{caller}: {response.status_code} {response.text}"
    for caller in sorted(r.allowed):
        world = await world_of() if r.changes else shared
        response = await call(client, r, world, caller)
        assert response.status_code in ALLOWED, f"{caller} was refused: {response.status_code} {response.text}"


async def test_a_practice_one_may_not_read_answers_exactly_as_one_that_does_not_exist(
    client: httpx.AsyncClient, world_of: Callable[[], Awaitable[World]]
) -> None:
    w = await world_of()
    other = w.callers["other_member"]
    for method, body in (("GET", None), ("PUT", practice("group", w.group)), ("DELETE", None)):
        hidden = await client.request(method, f"/v1/practices/{w.grouped}", json=body, headers=other)
        missing_id = uuid4()
        missing = await client.request(method, f"/v1/practices/{missing_id}", json=body, headers=other)
        assert hidden.status_code == missing.status_code == 404
        strip = {"detail", "instance"}  # these name the id asked for, nothing else
        assert {k: v for k, v in hidden.json().items() if k not in strip} == {
            k: v for k, v in missing.json().items() if k not in strip
        }
        assert hidden.json()["detail"].replace(str(w.grouped), "?") == missing.json()["detail"].replace(
            str(missing_id), "?"
        )
    search = (await client.get(f"/v1/practices?group_id={w.group}", headers=other)).json()
    assert search["total"] == 0 and search["items"] == []
