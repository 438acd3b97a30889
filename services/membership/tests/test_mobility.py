"""Staff mobility on a real PostgreSQL: who sees a person's interest (reader x role, with and without sharing
it with their own organisation), expiry at query time and by the sweep, closing, answers, and erasure."""

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from npd_membership.models import opportunities, opportunity_interests
from npd_membership.sweep import sweep
from npd_runtime.outbox import OUTBOX as outbox
from sqlalchemy import func, select, update

Headers = dict[str, str]
PersonFactory = Callable[..., Awaitable[Headers]]
App = tuple[Any, httpx.AsyncClient]
NOTE = "Ik wil graag meer leren over datagedreven toezicht."


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def later(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def last_position(app: Any) -> int:
    async with app.state.sessions() as session:
        return int(await session.scalar(select(outbox.c.position).order_by(outbox.c.position.desc()).limit(1)) or 0)


async def opportunity_events(app: Any, since: int) -> list[tuple[str, dict[str, Any]]]:
    async with app.state.sessions() as session:
        rows = await session.execute(
            select(outbox.c.type, outbox.c.data)
            .where(outbox.c.position > since, outbox.c.topic == "npd.membership.opportunity")
            .order_by(outbox.c.position)
        )
    return [(t.removeprefix("nl.npd.membership.").removesuffix(".v1"), json.loads(d)) for t, d in rows]


class Market:
    """Offering organisation O (an admin, a named contact, a colleague), the applicant's own organisation P
    (the applicant, their admin, a colleague), a third organisation Q (an admin), and a network admin."""

    def __init__(self, client: httpx.AsyncClient, person: PersonFactory, admin: Headers) -> None:
        self.client, self.person = client, person
        self.orgs: dict[str, UUID] = {}
        self.who: dict[str, str] = {}
        self.headers: dict[str, Headers] = {"network_admin": admin}

    async def add(self, name: str, org: str, *roles: str) -> None:
        sub = unique(name)
        self.orgs.setdefault(org, uuid4())
        self.who[name] = sub
        self.headers[name] = await self.person(sub, *roles, org=self.orgs[org])

    async def build(self) -> "Market":
        for name, org, roles in (
            ("offering_admin", "O", ("org_admin",)),
            ("contact", "O", ("member",)),
            ("offering_colleague", "O", ("member",)),
            ("applicant", "P", ("member",)),
            ("own_admin", "P", ("org_admin",)),
            ("own_colleague", "P", ("member",)),
            ("other_admin", "Q", ("org_admin",)),
        ):
            await self.add(name, org, *roles)
        return self

    async def offer(self, **fields: Any) -> str:
        body = {
            "organisation_id": str(self.orgs["O"]),
            "kind": "secondment",
            "title": "Detachering data-analist",
            "description": "Zes maanden.\nTwee dagen per week.",
            "contact_person_id": self.who["contact"],
            "expires_at": later(30),
        } | fields
        response = await self.client.post("/v1/opportunities", json=body, headers=self.headers["offering_admin"])
        assert response.status_code == 201, response.text
        opportunity: str = response.json()["id"]
        return opportunity

    async def interest(self, opportunity: str, who: str = "applicant", **body: Any) -> httpx.Response:
        url = f"/v1/opportunities/{opportunity}/interests"
        return await self.client.post(url, json={"note": NOTE} | body, headers=self.headers[who])


@pytest.fixture
def market_of(client: httpx.AsyncClient, person: PersonFactory, admin: Headers) -> Callable[[], Awaitable[Market]]:
    return lambda: Market(client, person, admin).build()


READERS = (
    "offering_admin",
    "contact",
    "offering_colleague",
    "applicant",
    "own_admin",
    "own_colleague",
    "other_admin",
    "network_admin",
)
# Who sees the applicant's interest (with their note), by read path, when they did not share it with their
# own organisation and when they did.
SEES = {
    ("opportunity", False): {"offering_admin", "contact"},
    ("opportunity", True): {"offering_admin", "contact"},
    ("own_organisation", False): set(),
    ("own_organisation", True): {"own_admin"},
    ("mine", False): {"applicant"},
    ("mine", True): {"applicant"},
}


async def read(market: Market, path: str, opportunity: str, reader: str) -> tuple[int, list[dict[str, Any]]]:
    url = {
        "opportunity": f"/v1/opportunities/{opportunity}/interests",
        "own_organisation": f"/v1/organisations/{market.orgs['P']}/shared-interests",
        "mine": "/v1/me/interests",
    }[path]
    response = await market.client.get(url, headers=market.headers[reader])
    return response.status_code, response.json() if response.status_code == 200 else []


@pytest.mark.parametrize("shared", [False, True], ids=["not shared", "shared with own organisation"])
@pytest.mark.parametrize("path", ["opportunity", "own_organisation", "mine"])
async def test_an_interest_is_seen_by_exactly_the_readers_its_row_names(
    market_of: Callable[[], Awaitable[Market]], path: str, shared: bool
) -> None:
    market = await market_of()
    opportunity = await market.offer()
    created = await market.interest(opportunity, share_with_own_organisation=shared)
    assert created.status_code == 201, created.text
    for reader in READERS:
        status, items = await read(market, path, opportunity, reader)
        mine = [i for i in items if i["person_id"] == market.who["applicant"]]
        if reader in SEES[(path, shared)]:
            assert status == 200 and len(mine) == 1, f"{reader}: {status}"
            assert mine[0]["note"] == NOTE and mine[0]["organisation_id"] == str(market.orgs["P"])
        else:
            assert mine == [], f"{reader} saw the interest via {path}"
            assert status in {200, 403}, f"{reader}: {status}"


async def test_the_interest_event_names_neither_the_person_nor_their_note(
    app_and_client: App, market_of: Callable[[], Awaitable[Market]]
) -> None:
    app, _ = app_and_client
    market = await market_of()
    before = await last_position(app)
    opportunity = await market.offer()
    assert (await market.interest(opportunity)).status_code == 201
    events = await opportunity_events(app, before)
    assert [kind for kind, _ in events] == ["opportunity-published", "interest-expressed"]
    expressed = events[1][1]
    assert (
        expressed["organisation_id"] == str(market.orgs["O"])
        and expressed["contact_person_id"] == market.who["contact"]
    )
    text = json.dumps(expressed)
    assert market.who["applicant"] not in text and "datagedreven" not in text


async def test_the_offering_organisation_invites_or_declines_and_the_person_sees_the_answer(
    market_of: Callable[[], Awaitable[Market]],
) -> None:
    market = await market_of()
    opportunity = await market.offer()
    interest = (await market.interest(opportunity)).json()["id"]
    url = f"/v1/opportunities/{opportunity}/interests/{interest}/answer"
    body = {"answer": "invite", "message": "Kom langs op dinsdag."}
    for outsider in ("own_admin", "network_admin", "offering_colleague", "applicant"):
        assert (await market.client.post(url, json=body, headers=market.headers[outsider])).status_code == 403
    assert (await market.client.post(url, json=body, headers=market.headers["contact"])).status_code == 200
    mine = (await market.client.get("/v1/me/interests", headers=market.headers["applicant"])).json()
    assert [(i["status"], i["answer_message"]) for i in mine] == [("invited", "Kom langs op dinsdag.")]
    again = await market.interest(opportunity)
    assert again.status_code == 409 and again.json()["type"].endswith("already-interested")
    withdrawn = await market.client.delete(
        f"/v1/opportunities/{opportunity}/interests/mine", headers=market.headers["applicant"]
    )
    assert withdrawn.status_code == 204
    assert (await market.client.get("/v1/me/interests", headers=market.headers["applicant"])).json() == []


async def test_a_closed_or_expired_opportunity_refuses_interest_and_the_sweep_announces_the_expiry_once(
    app_and_client: App, market_of: Callable[[], Awaitable[Market]]
) -> None:
    app, client = app_and_client
    market = await market_of()
    closing, expiring = await market.offer(), await market.offer(kind="shadowing_day")
    close = await client.post(f"/v1/opportunities/{closing}/close", headers=market.headers["offering_colleague"])
    assert close.status_code == 403
    assert (
        await client.post(f"/v1/opportunities/{closing}/close", headers=market.headers["contact"])
    ).status_code == 200
    refused = await market.interest(closing)
    assert refused.status_code == 409 and refused.json()["type"].endswith("opportunity-closed")
    # Time passes: its expiry is behind us. Refused at once, shown as expired, before any sweep.
    async with app.state.sessions() as session, session.begin():
        past = datetime.now(UTC) - timedelta(minutes=1)
        await session.execute(update(opportunities).where(opportunities.c.id == UUID(expiring)).values(expires_at=past))
    assert (await market.interest(expiring)).status_code == 409
    shown = (await client.get(f"/v1/opportunities/{expiring}", headers=market.headers["other_admin"])).json()
    assert (shown["status"], shown["close_reason"]) == ("closed", "expired")
    listed = await client.get("/v1/opportunities", params={"limit": 200}, headers=market.headers["applicant"])
    assert {closing, expiring}.isdisjoint({o["id"] for o in listed.json()["items"]})
    before = await last_position(app)
    for _ in range(2):
        async with app.state.sessions() as session, session.begin():
            await sweep(session, datetime.now(UTC), timedelta(days=3))
    closed = [data for kind, data in await opportunity_events(app, before) if data["opportunity_id"] == expiring]
    assert [(d["reason"]) for d in closed] == ["expired"]


async def test_erasure_removes_a_persons_interests_and_notes(
    app_and_client: App, market_of: Callable[[], Awaitable[Market]]
) -> None:
    app, client = app_and_client
    market = await market_of()
    opportunity = await market.offer()
    assert (await market.interest(opportunity)).status_code == 201
    erased = await client.post(f"/v1/people/{market.who['applicant']}/erasure", headers=market.headers["applicant"])
    assert erased.status_code == 200
    seen = await client.get(f"/v1/opportunities/{opportunity}/interests", headers=market.headers["offering_admin"])
    assert seen.json() == []
    async with app.state.sessions() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(opportunity_interests)
            .where(opportunity_interests.c.person_id == market.who["applicant"])
        )
    assert left == 0
    # Erasing the named contact keeps the listing, without them.
    await client.post(f"/v1/people/{market.who['contact']}/erasure", headers=market.headers["contact"])
    listing = await client.get(f"/v1/opportunities/{opportunity}", headers=market.headers["other_admin"])
    assert listing.json()["contact_person_id"] is None


async def test_bad_listings_get_precise_problems(market_of: Callable[[], Awaitable[Market]]) -> None:
    market = await market_of()
    post = market.client.post
    base = {"organisation_id": str(market.orgs["O"]), "kind": "vacancy", "title": "Vacature", "expires_at": later(10)}
    admin = market.headers["offering_admin"]
    past = await post("/v1/opportunities", json=base | {"expires_at": later(-1)}, headers=admin)
    assert past.status_code == 422 and past.json()["type"].endswith("bad-expiry")
    far = await post("/v1/opportunities", json=base | {"expires_at": later(400)}, headers=admin)
    assert far.status_code == 422
    stranger = await post(
        "/v1/opportunities", json=base | {"contact_person_id": market.who["applicant"]}, headers=admin
    )
    assert stranger.status_code == 409 and stranger.json()["type"].endswith("contact-not-in-organisation")
    foreign = await post("/v1/opportunities", json=base, headers=market.headers["other_admin"])
    assert foreign.status_code == 403
    kind = await post("/v1/opportunities", json=base | {"kind": "internship"}, headers=admin)
    assert kind.status_code == 422
