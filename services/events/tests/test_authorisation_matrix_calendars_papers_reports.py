"""Who may call what, as a table: every calendars, call-for-papers and reports endpoint by every kind of caller.

Each row names the callers it allows; every other caller gets the row's refusal (or its listed exception).
"Allowed" means the call got past authorisation: a 2xx, or a 409 that the object's state explains. Refusals
run first on a shared world (a refused call changes nothing); each allowed caller of a changing call gets a
fresh world.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from npd_events.meetings.domain import Audience, MeetingFormat
from npd_events.network.domain import GroupKind

from .conftest import Network

Headers = dict[str, str]
CALLERS = ("network_admin", "programme", "submitter", "speaker", "reviewer", "host_chair", "other_member", "outsider")
IN_NETWORK = "network_admin programme submitter speaker reviewer host_chair other_member"
EVERYONE = " ".join(CALLERS)
CHAIRS = "network_admin programme"
REFUSED = {401, 403, 404}


@dataclass
class World:
    team: UUID
    free_conference: UUID  # a conference without a call yet
    call: UUID  # open, chaired by the programme team
    paper: UUID  # submitted to `call` by `submitter` with `speaker`, reviewed by `reviewer`
    closed_call: UUID  # closed, one accepted proposal with a session, programme published
    accepted: UUID
    session: UUID
    held: UUID  # a meeting held by the host chair's group, without a report
    reported: UUID  # a meeting with a public report
    report: UUID
    feed_token: str  # the submitter's
    ids: dict[str, str] = field(default_factory=dict)
    callers: dict[str, Headers] = field(default_factory=dict)


async def make_world(client: httpx.AsyncClient, network: Network) -> World:
    team = await network.group(GroupKind.PROGRAMME_TEAM)
    host = await network.group()
    org, other_org = await network.organisation(), await network.organisation()
    ids: dict[str, str] = {}
    callers: dict[str, Headers] = {}
    for name, roles, person_org, groups in [
        ("network_admin", ("network_admin",), None, {}),
        ("programme", (), org, {team: "member"}),
        ("submitter", (), org, {}),
        ("speaker", (), org, {}),
        ("reviewer", (), org, {}),
        ("host_chair", (), org, {host: "chair"}),
        ("other_member", (), other_org, {}),
    ]:
        sub = f"{name}-{datetime.now(UTC).timestamp()}"
        callers[name] = await network.member(sub, *roles, org=person_org, groups=groups)
        ids[name] = sub
    callers["outsider"] = network.token(f"outsider-{datetime.now(UTC).timestamp()}")
    admin = callers["network_admin"]
    day = (datetime.now(UTC) + timedelta(days=100)).replace(hour=7, minute=0, second=0, microsecond=0)

    async def conference() -> UUID:
        return (
            await network.meeting(format=MeetingFormat.CONFERENCE, starts_at=day, ends_at=day + timedelta(hours=9))
        ).id

    async def open_call(meeting_id: UUID) -> UUID:
        body = {
            "meeting_id": str(meeting_id),
            "title": "Call",
            "topics": ["Data"],
            "closes_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "programme_group_id": str(team),
        }
        answer = await client.post("/v1/calls", json=body, headers=admin)
        assert answer.status_code == 201, answer.text
        return UUID(answer.json()["id"])

    proposal = {"title": "Voorstel", "abstract": "Een voorstel van tien.", "topic": "Data", "format": "talk"}
    call = await open_call(await conference())
    proposal_with_speaker = proposal | {"speaker_ids": [ids["submitter"], ids["speaker"]]}
    paper = await client.post(f"/v1/calls/{call}/papers", json=proposal_with_speaker, headers=callers["submitter"])
    assert paper.status_code == 201, paper.text
    paper_id = UUID(paper.json()["id"])
    assigned = await client.put(f"/v1/papers/{paper_id}/reviewers/{ids['reviewer']}", headers=admin)
    assert assigned.status_code == 200, assigned.text

    closed_call = await open_call(await conference())
    accepted = await client.post(f"/v1/calls/{closed_call}/papers", json=proposal, headers=callers["submitter"])
    accepted_id = UUID(accepted.json()["id"])
    await client.post(f"/v1/calls/{closed_call}/close", headers=admin)
    await client.post(f"/v1/papers/{accepted_id}/decision", json={"decision": "accepted"}, headers=admin)
    slot = {"paper_id": str(accepted_id), "room": "Zaal 1", "starts_at": day.isoformat()}
    slot["ends_at"] = (day + timedelta(hours=1)).isoformat()
    placed = await client.post(f"/v1/calls/{closed_call}/sessions", json=slot, headers=admin)
    assert placed.status_code == 201, placed.text
    assert (await client.post(f"/v1/calls/{closed_call}/programme/publish", headers=admin)).status_code == 200

    past = datetime.now(UTC) - timedelta(days=1)
    held = await network.meeting(starts_at=past, host_group_id=host, audience=Audience.GROUP)
    reported = await network.meeting(starts_at=past, audience=Audience.PUBLIC)
    report = {"title": "Verslag", "summary": "Goed", "visibility": "public"}
    published = await client.put(f"/v1/meetings/{reported.id}/report", json=report, headers=admin)
    assert published.status_code == 201, published.text
    for name in IN_NETWORK.split():
        assert (await client.post("/v1/calendar/feeds", headers=callers[name])).status_code == 201
    feed = (await client.post("/v1/calendar/feeds", headers=callers["submitter"])).json()["token"]
    return World(
        team=team,
        free_conference=await conference(),
        call=call,
        paper=paper_id,
        closed_call=closed_call,
        accepted=accepted_id,
        session=UUID(placed.json()["id"]),
        held=held.id,
        reported=reported.id,
        report=UUID(published.json()["id"]),
        feed_token=feed,
        ids=ids,
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
            call=w.call,
            paper=w.paper,
            closed_call=w.closed_call,
            accepted=w.accepted,
            session=w.session,
            held=w.held,
            reported=w.reported,
            report=w.report,
            feed=w.feed_token,
            other_member=w.ids.get("other_member"),
        )


def row(method: str, path: str, allowed: str, refusal: int, **kw: Any) -> Row:
    return Row(method, path, frozenset(allowed.split()), refusal, **kw)


def _call(w: World) -> dict[str, Any]:
    closes = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    return {"meeting_id": str(w.free_conference), "title": "Call", "topics": ["Data"], "closes_at": closes} | {
        "programme_group_id": str(w.team)
    }


PROPOSAL = {"title": "Nog een", "abstract": "Een voorstel van tien.", "topic": "Data", "format": "talk"}
PLENARY_AT = (datetime.now(UTC) + timedelta(days=100)).replace(hour=10, minute=0, second=0, microsecond=0)
PLENARY = {"title": "Plenair", "room": "Zaal 9", "starts_at": PLENARY_AT.isoformat()} | {
    "ends_at": (PLENARY_AT + timedelta(hours=1)).isoformat()
}
REPORT = {"title": "Verslag", "summary": "Goed", "visibility": "network"}
# The proposal's submitter and speaker cannot review it: their refusal is the proposal's state (409).
OWN = (("submitter", 409), ("speaker", 409))
# Who may not see `paper` (neither its submitter, speaker, reviewer nor a chair) is told there is none
# (decision 98); outside the network, the 403 comes first, whatever the id.
UNSEEN = (("host_chair", 404), ("other_member", 404))

ROWS = [
    row("POST", "/v1/calls", CHAIRS, 403, body=_call),
    row("GET", "/v1/calls", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/calls/{call}", IN_NETWORK, 403, changes=False),
    row("POST", "/v1/calls/{call}/close", CHAIRS, 403),
    row("POST", "/v1/calls/{call}/papers", "programme submitter speaker reviewer host_chair other_member", 403,
        body=lambda w: PROPOSAL),
    row("GET", "/v1/calls/{call}/papers", IN_NETWORK, 403, changes=False),
    # Whoever may not see a proposal is told there is none (decision 98); outside the network, 403 first.
    row("GET", "/v1/papers/{paper}", "network_admin programme submitter speaker reviewer", 404, changes=False,
        exceptions=(("outsider", 403),)),
    row("POST", "/v1/papers/{paper}/withdraw", "submitter", 403, exceptions=UNSEEN),
    row("PUT", "/v1/papers/{paper}/reviewers/{other_member}", CHAIRS, 403, exceptions=UNSEEN),
    row("PUT", "/v1/papers/{paper}/review", "reviewer", 403, body=lambda w: {"score": 3}, exceptions=OWN + UNSEEN),
    row("GET", "/v1/papers/{paper}/reviews", CHAIRS, 403, changes=False, exceptions=UNSEEN),
    # `accepted` is the submitter's alone: the speaker, reviewer, host chair and other member may not see it.
    row("POST", "/v1/papers/{accepted}/decision", CHAIRS, 403, body=lambda w: {"decision": "accepted"},
        exceptions=(("speaker", 404), ("reviewer", 404), *UNSEEN)),
    row("POST", "/v1/calls/{closed_call}/sessions", CHAIRS, 403, body=lambda w: PLENARY),
    row("PUT", "/v1/calls/{closed_call}/sessions/{session}", CHAIRS, 403,
        body=lambda w: PLENARY | {"paper_id": str(w.accepted)}),
    row("DELETE", "/v1/calls/{closed_call}/sessions/{session}", CHAIRS, 403),
    row("GET", "/v1/calls/{closed_call}/programme", IN_NETWORK, 403, changes=False),
    row("POST", "/v1/calls/{closed_call}/programme/publish", CHAIRS, 403),
    row("PUT", "/v1/meetings/{held}/report", "network_admin host_chair", 403, body=lambda w: REPORT),
    row("GET", "/v1/meetings/{reported}/report", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/reports", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/reports/{report}", IN_NETWORK, 403, changes=False),
    row("GET", "/v1/public/meetings", EVERYONE, 0, changes=False),
    row("GET", "/v1/public/reports", EVERYONE, 0, changes=False),
    row("GET", "/v1/public/reports/{report}", EVERYONE, 0, changes=False),
    row("POST", "/v1/calendar/feeds", IN_NETWORK, 403),
    # Revoking needs a feed to revoke: someone outside the network never had one.
    row("DELETE", "/v1/calendar/feeds", IN_NETWORK, 404),
    # The feed's secret is the key: whoever holds the address reads it, signed in or not.
    row("GET", "/v1/calendar/feeds/{feed}.ics", EVERYONE, 0, changes=False),
]  # fmt: skip


@pytest.fixture
def world_of(client: httpx.AsyncClient, network: Network) -> Callable[[], Awaitable[World]]:
    return lambda: make_world(client, network)


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


@pytest.mark.parametrize("path", ["/v1/public/meetings", "/v1/public/reports"])
async def test_the_public_listings_need_no_token_at_all(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 200
