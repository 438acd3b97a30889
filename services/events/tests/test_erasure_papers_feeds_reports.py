"""PersonErased removes the person from proposals, sessions, reviews and reports, and ends their calendar feed,
through the service's own consumer handler; everyone else's data stays."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
from npd_contracts import PersonErased
from npd_events.models import PAPERS, PROGRAMME_SESSIONS, REPORTS, REVIEWS, feed_tokens, reviews
from sqlalchemy import select

from .conftest import Network
from .test_papers_api import at, conference, open_call, proposal


async def test_an_erased_person_leaves_papers_sessions_reviews_reports_and_their_feed(
    client: httpx.AsyncClient, network: Network
) -> None:
    admin_sub = f"admin-{datetime.now(UTC).timestamp()}"
    admin = await network.member(admin_sub, "network_admin")
    org = await network.organisation()
    ann, bob, rev = (f"{name}-{datetime.now(UTC).timestamp()}" for name in ("ann", "bob", "rev"))
    ann_h = await network.member(ann, org=org)
    await network.member(bob, org=org)
    rev_h = await network.member(rev, org=org)
    call = (await open_call(client, admin, await conference(network))).json()
    paper = (
        await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(speaker_ids=[ann, bob]), headers=ann_h)
    ).json()
    other = (await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(title="Van Ann"), headers=ann_h)).json()
    await client.put(f"/v1/papers/{other['id']}/reviewers/{bob}", headers=admin)
    await client.put(f"/v1/papers/{paper['id']}/reviewers/{rev}", headers=admin)
    await client.put(f"/v1/papers/{paper['id']}/review", json={"score": 5, "comment": "Ann is top"}, headers=rev_h)
    await client.post(f"/v1/calls/{call['id']}/close", headers=admin)
    await client.post(f"/v1/papers/{paper['id']}/decision", json={"decision": "accepted"}, headers=admin)
    slot = {"paper_id": paper["id"], "room": "Zaal 1", "starts_at": at(1), "ends_at": at(2)}
    session_id = (await client.post(f"/v1/calls/{call['id']}/sessions", json=slot, headers=admin)).json()["id"]
    feed = (await client.post("/v1/calendar/feeds", headers=ann_h)).json()["url"]
    rev_feed = (await client.post("/v1/calendar/feeds", headers=rev_h)).json()["url"]
    held = await network.meeting(starts_at=datetime.now(UTC) - timedelta(days=1))
    report = {"title": "Verslag", "summary": "Goed", "visibility": "public"}
    assert (await client.put(f"/v1/meetings/{held.id}/report", json=report, headers=admin)).status_code == 201

    await network.deliver(
        PersonErased(person_id=ann, erased_at=datetime.now(UTC)),
        PersonErased(person_id=rev, erased_at=datetime.now(UTC)),
        PersonErased(person_id=admin_sub, erased_at=datetime.now(UTC)),
    )

    async with network.app.state.sessions() as session, session.begin():
        erased = await PAPERS.get(session, UUID(paper["id"]))
        theirs = await PAPERS.get(session, UUID(other["id"]))
        placed = await PROGRAMME_SESSIONS.get(session, UUID(session_id))
        scored = await REVIEWS.all(session, REVIEWS.select().where(reviews.c.paper_id == UUID(paper["id"])))
        bobs = await REVIEWS.all(session, REVIEWS.select().where(reviews.c.paper_id == UUID(other["id"])))
        kept = await REPORTS.all(session, REPORTS.select())
        tokens = list(await session.execute(select(feed_tokens.c.person_id, feed_tokens.c.revoked_at)))
    assert erased is not None and theirs is not None and placed is not None
    assert (erased.submitter_id, erased.speaker_ids, erased.decided_by) == (None, (bob,), None)
    assert erased.title == "Eén loket"  # the proposal's content stays: it is in the programme
    assert (theirs.submitter_id, theirs.speaker_ids) == (None, ())
    assert placed.speaker_ids == (bob,)
    assert [(r.reviewer_id, r.score, r.comment) for r in scored] == [(None, 5, "")]
    assert [r.reviewer_id for r in bobs] == [bob]  # someone else's review stays theirs
    assert all(r.published_by != admin_sub for r in kept)
    assert all(person not in (ann, rev, admin_sub) for person, _ in tokens)
    for url in (feed, rev_feed):
        gone = await client.get(url[url.index("/v1/") :])
        assert gone.status_code == 410
    everything = repr([erased, theirs, placed, scored, kept])
    assert ann not in everything and rev not in everything
