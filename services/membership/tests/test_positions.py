"""Joint positions on a real PostgreSQL: from draft through versions, circulation and the votes of several
organisations (each by its mandated person only) to publication, frozen and public; reminders before the
deadline; and the precise errors callers get."""

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from npd_membership.sweep import sweep
from npd_runtime.outbox import OUTBOX as outbox
from sqlalchemy import select

Headers = dict[str, str]
PersonFactory = Callable[..., Awaitable[Headers]]
App = tuple[Any, httpx.AsyncClient]
LEAD = timedelta(days=3)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def later(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def events_since(app: Any, position: int, prefix: str = "nl.npd.membership.position") -> list[tuple[str, Any]]:
    async with app.state.sessions() as session:
        rows = await session.execute(
            select(outbox.c.type, outbox.c.data, outbox.c.topic)
            .where(outbox.c.position > position, outbox.c.type.startswith(prefix))
            .order_by(outbox.c.position)
        )
    found = []
    for type_, data, topic in rows:
        assert topic == "npd.membership.position"
        found.append((type_.removeprefix("nl.npd.membership.").removesuffix(".v1"), json.loads(data)))
    return found


async def last_position(app: Any) -> int:
    async with app.state.sessions() as session:
        return int(await session.scalar(select(outbox.c.position).order_by(outbox.c.position.desc()).limit(1)) or 0)


class Network:
    """A working group chaired by `chair` (with `drafter` a plain member), and four organisations: A and B with
    a board member, C with only an admin, D with a board member and a mandated colleague."""

    def __init__(self, client: httpx.AsyncClient, person: PersonFactory, admin: Headers) -> None:
        self.client, self.person, self.admin = client, person, admin
        self.orgs: dict[str, UUID] = {}
        self.who: dict[str, str] = {}
        self.headers: dict[str, Headers] = {}

    async def add(self, name: str, org: str, *roles: str) -> None:
        sub = unique(name)
        self.orgs.setdefault(org, uuid4())
        self.who[name] = sub
        self.headers[name] = await self.person(sub, *roles, org=self.orgs[org])

    async def build(self) -> "Network":
        await self.add("chair", "G", "member")
        await self.add("drafter", "G", "member")
        await self.add("a_board", "A", "board_member", "member")
        await self.add("a_member", "A", "member")
        await self.add("b_board", "B", "board_member")
        await self.add("c_admin", "C", "org_admin")
        await self.add("d_board", "D", "board_member")
        await self.add("d_delegate", "D", "member")
        await self.add("d_admin", "D", "org_admin")
        body = {"name": unique("Werkgroep Eén Stem"), "kind": "working_group", "topic": "Data", "joining": "open"}
        response = await self.client.post("/v1/groups", json=body | {"chairs": [self.who["chair"]]}, headers=self.admin)
        assert response.status_code == 201, response.text
        self.group = response.json()["id"]
        joined = await self.client.post(f"/v1/groups/{self.group}/members", headers=self.headers["drafter"])
        assert joined.status_code == 201
        return self

    async def draft(self, title: str = "Brief aan de formateur", text: str = "Wij vragen.\nOm data.") -> str:
        body = {"group_id": self.group, "title": title, "text": text}
        response = await self.client.post("/v1/positions", json=body, headers=self.headers["drafter"])
        assert response.status_code == 201, response.text
        position: str = response.json()["id"]
        return position

    async def circulate(self, position: str, days: float = 14) -> httpx.Response:
        url = f"/v1/positions/{position}/circulate"
        return await self.client.post(url, json={"deadline": later(days)}, headers=self.headers["chair"])

    async def vote(self, position: str, who: str, org: str, vote: str, remark: str = "") -> httpx.Response:
        url = f"/v1/positions/{position}/votes/{self.orgs[org]}"
        return await self.client.put(url, json={"vote": vote, "remark": remark}, headers=self.headers[who])


async def a_network(client: httpx.AsyncClient, person: PersonFactory, admin: Headers) -> Network:
    return await Network(client, person, admin).build()


async def test_a_position_goes_from_draft_to_publication_listing_exactly_the_organisations_that_endorsed_it(
    app_and_client: App, person: PersonFactory, admin: Headers
) -> None:
    app, client = app_and_client
    net = await a_network(client, person, admin)
    before = await last_position(app)
    position = await net.draft()
    revised = {"title": "Brief aan de formateur", "text": "Wij vragen.\nOm veilige data.", "note": "scherper"}
    response = await client.put(f"/v1/positions/{position}", json=revised, headers=net.headers["drafter"])
    assert response.status_code == 200 and response.json()["version"] == 2
    assert (await net.circulate(position)).status_code == 200
    # D's admins mandate a colleague: from now on only she votes for D, not D's board member.
    mandate = {"person_id": net.who["d_delegate"]}
    url = f"/v1/organisations/{net.orgs['D']}/mandate"
    assert (await client.put(url, json=mandate, headers=net.headers["d_admin"])).json()["mandated"] == [
        net.who["d_delegate"]
    ]
    assert (await net.vote(position, "a_board", "A", "endorse")).status_code == 200
    assert (await net.vote(position, "b_board", "B", "endorse_with_remark", "Met oog voor privacy.")).status_code == 200
    assert (await net.vote(position, "c_admin", "C", "abstain")).status_code == 200  # C has no board member
    assert (await net.vote(position, "d_board", "D", "endorse")).status_code == 403  # mandated away
    assert (await net.vote(position, "d_delegate", "D", "endorse")).status_code == 200
    # A changes its mind before the deadline: the last vote counts, the first stays in the history.
    assert (await net.vote(position, "a_board", "A", "abstain")).status_code == 200

    votes = (await client.get(f"/v1/positions/{position}/votes", headers=net.headers["a_member"])).json()
    ours = {v["organisation_id"]: v["vote"] for v in votes if UUID(v["organisation_id"]) in net.orgs.values()}
    assert ours == {
        str(net.orgs["A"]): "abstain",
        str(net.orgs["B"]): "endorse_with_remark",
        str(net.orgs["C"]): "abstain",
        str(net.orgs["D"]): "endorse",
        str(net.orgs["G"]): None,
    }
    history = (await client.get(f"/v1/positions/{position}/ballots", headers=net.headers["b_board"])).json()
    assert [b["vote"] for b in history if b["organisation_id"] == str(net.orgs["A"])] == ["endorse", "abstain"]

    published = await client.post(
        f"/v1/positions/{position}/publish", json={"public": True}, headers=net.headers["chair"]
    )
    assert published.status_code == 200, published.text
    endorsers = {e["organisation_id"] for e in published.json()["endorsed_by"]}
    assert endorsers == {str(net.orgs["B"]), str(net.orgs["D"])}
    kinds = [kind for kind, _ in await events_since(app, before)]
    assert kinds == [
        "position-drafted",
        "position-revised",
        "position-circulated",
        "position-endorsed",
        "position-endorsed",
        "position-abstained",
        "position-endorsed",
        "position-abstained",
        "position-published",
    ]
    events = await events_since(app, before)
    assert set(events[-1][1]["endorsing_organisation_ids"]) == endorsers
    assert events[3][1] == events[3][1] | {"organisation_id": str(net.orgs["A"]), "endorsement": "endorse"}
    assert all("by_person_id" not in data and "remark" not in data for _, data in events)  # votes are the org's
    assert str(net.orgs["A"]) in events[2][1]["organisation_ids"]

    # Frozen: nothing changes any more.
    assert (
        await client.put(f"/v1/positions/{position}", json=revised, headers=net.headers["chair"])
    ).status_code == 409
    assert (await net.vote(position, "a_board", "A", "endorse")).status_code == 409
    again = await client.post(f"/v1/positions/{position}/publish", json={}, headers=net.headers["chair"])
    assert again.status_code == 409 and again.json()["type"].endswith("position-frozen")
    # Public: anyone reads it without logging in.
    anonymous = await client.get(f"/v1/public/positions/{position}")
    assert anonymous.status_code == 200
    assert {e["organisation_id"] for e in anonymous.json()["endorsed_by"]} == endorsers
    listed = (await client.get("/v1/public/positions", params={"limit": 200})).json()["items"]
    assert position in {p["id"] for p in listed}


async def test_versions_are_kept_and_the_diff_shows_what_changed(
    client: httpx.AsyncClient, person: PersonFactory, admin: Headers
) -> None:
    net = await a_network(client, person, admin)
    position = await net.draft(text="Eerste alinea.\nTweede alinea.")
    body = {"title": "Brief aan de formateur", "text": "Eerste alinea.\nTweede, betere alinea.", "note": "tweede"}
    assert (await client.put(f"/v1/positions/{position}", json=body, headers=net.headers["chair"])).status_code == 200
    versions = (await client.get(f"/v1/positions/{position}/versions", headers=net.headers["drafter"])).json()
    assert [v["number"] for v in versions] == [1, 2] and versions[1]["note"] == "tweede"
    diff = await client.get(
        f"/v1/positions/{position}/diff", params={"from_version": 1, "to_version": 2}, headers=net.headers["chair"]
    )
    unified = diff.json()["unified"]
    assert "-Tweede alinea." in unified and "+Tweede, betere alinea." in unified and " Eerste alinea." in unified
    missing = await client.get(f"/v1/positions/{position}/versions/3", headers=net.headers["chair"])
    assert missing.status_code == 404 and missing.json()["type"].endswith("no-such-version")


async def test_a_draft_is_its_groups_alone_and_only_the_groups_chair_circulates_and_publishes(
    client: httpx.AsyncClient, person: PersonFactory, admin: Headers
) -> None:
    net = await a_network(client, person, admin)
    position = await net.draft()
    # Outside the group a draft does not exist; a non-member cannot draft for the group.
    assert (await client.get(f"/v1/positions/{position}", headers=net.headers["a_board"])).status_code == 404
    body = {"group_id": net.group, "title": "Nog een", "text": "x"}
    assert (await client.post("/v1/positions", json=body, headers=net.headers["a_board"])).status_code == 403
    # A member drafts and revises, but only a chair (or a network admin) sends it out.
    url = f"/v1/positions/{position}/circulate"
    response = await client.post(url, json={"deadline": later(5)}, headers=net.headers["drafter"])
    assert response.status_code == 403 and response.json()["type"].endswith("not-a-drafter")
    past = await client.post(url, json={"deadline": later(-1)}, headers=net.headers["chair"])
    assert past.status_code == 422 and past.json()["type"].endswith("deadline-not-in-future")
    naive = await client.post(url, json={"deadline": "2030-01-01T10:00:00"}, headers=net.headers["chair"])
    assert naive.status_code == 422
    assert (await net.circulate(position)).status_code == 200
    assert (await net.circulate(position)).status_code == 409
    # Now the network sees it; a plain member of an organisation does not vote for it.
    assert (await client.get(f"/v1/positions/{position}", headers=net.headers["a_member"])).status_code == 200
    refused = await net.vote(position, "a_member", "A", "endorse")
    assert refused.status_code == 403 and refused.json()["type"].endswith("not-mandated")
    # An endorsement with a remark needs one.
    bare = await net.vote(position, "b_board", "B", "endorse_with_remark")
    assert bare.status_code == 422 and bare.json()["type"].endswith("remark-required")
    publish = f"/v1/positions/{position}/publish"
    assert (await client.post(publish, json={}, headers=net.headers["drafter"])).status_code == 403
    # Not public: no anonymous read.
    assert (await client.post(publish, json={}, headers=net.headers["chair"])).status_code == 200
    assert (await client.get(f"/v1/public/positions/{position}")).status_code == 404


async def test_an_organisation_that_joined_after_circulation_was_not_asked(
    client: httpx.AsyncClient, person: PersonFactory, admin: Headers
) -> None:
    net = await a_network(client, person, admin)
    position = await net.draft()
    assert (await net.circulate(position)).status_code == 200
    await net.add("late_board", "Late", "board_member")
    late = await net.vote(position, "late_board", "Late", "endorse")
    assert late.status_code == 409 and late.json()["type"].endswith("not-addressed")


async def test_a_mandate_is_named_by_the_organisations_admins_only_and_ends_back_at_the_board(
    client: httpx.AsyncClient, person: PersonFactory, admin: Headers
) -> None:
    net = await a_network(client, person, admin)
    url = f"/v1/organisations/{net.orgs['D']}/mandate"
    assert (await client.get(url, headers=net.headers["d_delegate"])).json() == {
        "organisation_id": str(net.orgs["D"]),
        "mandated": [net.who["d_board"]],
        "explicit": False,
    }
    body = {"person_id": net.who["d_delegate"]}
    assert (await client.put(url, json=body, headers=net.headers["d_board"])).status_code == 403
    assert (await client.put(url, json=body, headers=net.headers["c_admin"])).status_code == 403
    assert (await client.get(url, headers=net.headers["a_board"])).status_code == 403
    stranger = await client.put(url, json={"person_id": net.who["a_board"]}, headers=net.headers["d_admin"])
    assert stranger.status_code == 409 and stranger.json()["type"].endswith("not-in-organisation")
    assert (await client.put(url, json=body, headers=net.headers["d_admin"])).json()["explicit"] is True
    ended = await client.delete(url, headers=net.headers["d_admin"])
    assert ended.json()["mandated"] == [net.who["d_board"]]
    # Without a board member, the organisation's admins vote.
    c = await client.get(f"/v1/organisations/{net.orgs['C']}/mandate", headers=net.headers["c_admin"])
    assert c.json()["mandated"] == [net.who["c_admin"]]


async def test_the_sweep_reminds_once_the_mandated_people_of_organisations_that_have_not_voted(
    app_and_client: App, person: PersonFactory, admin: Headers
) -> None:
    app, client = app_and_client
    net = await a_network(client, person, admin)
    position = await net.draft(title=unique("Notitie gegevensdeling"))
    assert (await net.circulate(position, days=10)).status_code == 200
    assert (await net.vote(position, "a_board", "A", "endorse")).status_code == 200
    before = await last_position(app)
    async with app.state.sessions() as session, session.begin():  # a week on: not yet within three days
        await sweep(session, datetime.now(UTC) + timedelta(days=6), LEAD)
    assert await events_since(app, before, "nl.npd.membership.position-reminder") == []
    async with app.state.sessions() as session, session.begin():
        await sweep(session, datetime.now(UTC) + timedelta(days=8), LEAD)
    reminders = {
        data["organisation_id"]: data
        for _, data in await events_since(app, before, "nl.npd.membership.position-reminder")
        if data["position_id"] == position
    }
    assert str(net.orgs["A"]) not in reminders  # it voted
    assert reminders[str(net.orgs["B"])]["mandated_person_ids"] == [net.who["b_board"]]
    assert reminders[str(net.orgs["C"])]["mandated_person_ids"] == [net.who["c_admin"]]
    once = await last_position(app)
    async with app.state.sessions() as session, session.begin():
        await sweep(session, datetime.now(UTC) + timedelta(days=9), LEAD)
    assert [
        e
        for _, e in await events_since(app, once, "nl.npd.membership.position-reminder")
        if e["position_id"] == position
    ] == []
