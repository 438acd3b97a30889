"""The call-for-papers API on a real PostgreSQL: a conference's call from opening to a published programme,
with its events in the outbox, and every refusal a precise problem document."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from npd_events.meetings.domain import MeetingFormat, MeetingStatus
from npd_events.models import calls
from npd_events.network.domain import GroupKind
from sqlalchemy import update

from .conftest import Network

DAY = (datetime.now(UTC) + timedelta(days=120)).replace(hour=7, minute=0, second=0, microsecond=0)


def at(hour: float) -> str:
    return (DAY + timedelta(hours=hour)).isoformat()


async def conference(network: Network) -> UUID:
    meeting = await network.meeting(
        format=MeetingFormat.CONFERENCE, title="NPD-jaarcongres", starts_at=DAY, ends_at=DAY + timedelta(hours=9)
    )
    return meeting.id


async def open_call(client: httpx.AsyncClient, admin: dict[str, str], meeting_id: UUID, **extra: Any) -> Any:
    body = {
        "meeting_id": str(meeting_id),
        "title": "Call for papers: jaarcongres",
        "topics": ["Dienstverlening", "Data"],
        "formats": ["talk", "workshop"],
        "closes_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    } | extra
    return await client.post("/v1/calls", json=body, headers=admin)


def proposal(**extra: Any) -> dict[str, Any]:
    return (
        {"title": "Eén loket", "abstract": "Wat wij leerden van één loket.\nEn wat niet.", "topic": "Data"}
        | {"format": "talk"}
        | extra
    )


async def test_a_call_goes_from_opening_to_a_published_programme(client: httpx.AsyncClient, network: Network) -> None:
    admin = await network.member(None, "network_admin")
    org = await network.organisation()
    ann = f"ann-{uuid4().hex[:6]}"
    bob = f"bob-{uuid4().hex[:6]}"
    ann_h = await network.member(ann, org=org)
    await network.member(bob, org=org)
    reviewer = f"rev-{uuid4().hex[:6]}"
    rev_h = await network.member(reviewer, org=org)

    opened = await open_call(client, admin, await conference(network))
    assert opened.status_code == 201, opened.text
    call = opened.json()
    assert call["open"] is True and call["topics"] == ["Dienstverlening", "Data"]

    submitted = await client.post(
        f"/v1/calls/{call['id']}/papers", json=proposal(speaker_ids=[ann, bob]), headers=ann_h
    )
    assert submitted.status_code == 201, submitted.text
    paper = submitted.json()
    assert paper["speaker_ids"] == [ann, bob] and paper["submitter_id"] == ann

    assigned = await client.put(f"/v1/papers/{paper['id']}/reviewers/{reviewer}", headers=admin)
    assert assigned.status_code == 200, assigned.text
    reviewed = await client.put(
        f"/v1/papers/{paper['id']}/review", json={"score": 4, "comment": "Sterk"}, headers=rev_h
    )
    assert reviewed.status_code == 200 and reviewed.json()["score"] == 4

    too_early = await client.post(f"/v1/papers/{paper['id']}/decision", json={"decision": "accepted"}, headers=admin)
    assert too_early.status_code == 409 and too_early.json()["type"].endswith(":call-still-open")
    assert (await client.post(f"/v1/calls/{call['id']}/close", headers=admin)).json()["status"] == "closed"
    decided = await client.post(f"/v1/papers/{paper['id']}/decision", json={"decision": "accepted"}, headers=admin)
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"

    placed = await client.post(
        f"/v1/calls/{call['id']}/sessions",
        json={"paper_id": paper["id"], "room": "Zaal 1", "starts_at": at(1), "ends_at": at(2)},
        headers=admin,
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["title"] == "Eén loket" and placed.json()["speaker_ids"] == [ann, bob]
    assert (await client.get(f"/v1/calls/{call['id']}/programme", headers=ann_h)).status_code == 403  # a draft
    published = await client.post(f"/v1/calls/{call['id']}/programme/publish", headers=admin)
    assert published.status_code == 200, published.text
    seen = await client.get(f"/v1/calls/{call['id']}/programme", headers=ann_h)
    assert [s["title"] for s in seen.json()["sessions"]] == ["Eén loket"]

    call_id = UUID(call["id"])
    kinds = ["call-for-papers-opened", "paper-submitted", "call-for-papers-closed", "paper-decided"]
    for kind in [*kinds, "programme-published"]:
        assert len(await network.outbox(f"nl.npd.events.{kind}.v1", call_id)) == 1, kind
    [programme] = await network.outbox("nl.npd.events.programme-published.v1", call_id)
    assert programme["sessions"][0]["speaker_ids"] == [ann, bob]
    [submitted_event] = await network.outbox("nl.npd.events.paper-submitted.v1", call_id)
    assert "abstract" not in submitted_event and "@" not in str(submitted_event)


async def test_chairs_see_every_proposal_with_its_score_and_others_only_their_own(
    client: httpx.AsyncClient, network: Network
) -> None:
    team = await network.group(GroupKind.PROGRAMME_TEAM)
    admin = await network.member(None, "network_admin")
    chair = await network.member(None, org=await network.organisation(), groups={team: "member"})
    org = await network.organisation()
    ann, cas = await network.member(None, org=org), await network.member(None, org=org)
    call = (await open_call(client, admin, await conference(network), programme_group_id=str(team))).json()
    await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(), headers=ann)
    await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(title="Ander idee"), headers=cas)

    as_chair = (await client.get(f"/v1/calls/{call['id']}/papers", headers=chair)).json()
    assert as_chair["total"] == 2 and all("review_count" in p and p["review_count"] == 0 for p in as_chair["items"])
    as_ann = (await client.get(f"/v1/calls/{call['id']}/papers", headers=ann)).json()
    assert [p["title"] for p in as_ann["items"]] == ["Eén loket"] and as_ann["items"][0]["mean_score"] is None
    other = as_chair["items"][1]["id"]
    # Not hers to see: as if there were none (decision 98).
    assert (await client.get(f"/v1/papers/{other}", headers=ann)).status_code == 404
    assert (await client.get(f"/v1/papers/{other}/reviews", headers=ann)).status_code == 404
    # Her own she may see, but its reviews are the chairs' alone.
    mine = as_ann["items"][0]["id"]
    refused = await client.get(f"/v1/papers/{mine}/reviews", headers=ann)
    assert refused.status_code == 403 and refused.json()["type"].endswith(":not-a-call-chair")


async def test_a_proposal_after_the_deadline_is_refused(client: httpx.AsyncClient, network: Network) -> None:
    admin = await network.member(None, "network_admin")
    ann = await network.member(None, org=await network.organisation())
    call = (await open_call(client, admin, await conference(network))).json()
    async with network.app.state.sessions() as session, session.begin():
        past = datetime.now(UTC) - timedelta(minutes=1)
        await session.execute(update(calls).where(calls.c.id == UUID(call["id"])).values(closes_at=past))
    late = await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(), headers=ann)
    assert late.status_code == 409
    assert late.json()["type"].endswith(":call-closed") and "closed at" in late.json()["detail"]


async def test_only_people_of_member_organisations_submit_on_the_calls_topics(
    client: httpx.AsyncClient, network: Network
) -> None:
    admin = await network.member(None, "network_admin")
    call = (await open_call(client, admin, await conference(network))).json()
    staff = await network.member(None)  # the network's own staff: no organisation
    refused = await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(), headers=staff)
    assert refused.status_code == 403 and refused.json()["type"].endswith(":not-eligible")
    ann = await network.member(None, org=await network.organisation())
    wrong_topic = await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(topic="Sport"), headers=ann)
    assert wrong_topic.status_code == 422 and wrong_topic.json()["type"].endswith(":unknown-topic")
    stranger = await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(speaker_ids=["nobody"]), headers=ann)
    assert stranger.status_code == 422 and "'nobody'" in stranger.json()["detail"]


async def test_opening_a_call_is_refused_precisely(client: httpx.AsyncClient, network: Network) -> None:
    admin = await network.member(None, "network_admin")
    member = await network.member(None, org=await network.organisation())
    unknown = await open_call(client, admin, uuid4())
    assert unknown.status_code == 404 and unknown.json()["type"].endswith(":unknown-meeting")
    board = await network.meeting(format=MeetingFormat.BOARD_MEETING)
    assert (await open_call(client, admin, board.id)).json()["type"].endswith(":not-a-conference")
    meeting_id = await conference(network)
    late = await open_call(client, admin, meeting_id, closes_at=(DAY + timedelta(days=1)).isoformat())
    assert late.status_code == 422 and late.json()["type"].endswith(":deadline-not-ahead")
    assert (await open_call(client, member, meeting_id)).status_code == 403
    assert (await open_call(client, admin, meeting_id)).status_code == 201
    again = await open_call(client, admin, meeting_id)
    assert again.status_code == 409 and again.json()["type"].endswith(":call-exists")
    cancelled = await network.meeting(format=MeetingFormat.CONFERENCE, status=MeetingStatus.CANCELLED)
    assert (await open_call(client, admin, cancelled.id)).json()["type"].endswith(":conference-cancelled")


async def test_the_timetable_refuses_clashes_of_rooms_and_speakers(client: httpx.AsyncClient, network: Network) -> None:
    admin = await network.member(None, "network_admin")
    org = await network.organisation()
    ann = f"ann-{uuid4().hex[:6]}"
    ann_h = await network.member(ann, org=org)
    bob_h = await network.member(None, org=org)
    call = (await open_call(client, admin, await conference(network))).json()
    first = (await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(), headers=ann_h)).json()
    second = (
        await client.post(
            f"/v1/calls/{call['id']}/papers", json=proposal(title="Tweede", speaker_ids=[ann]), headers=bob_h
        )
    ).json()
    await client.post(f"/v1/calls/{call['id']}/close", headers=admin)
    for paper in (first, second):
        await client.post(f"/v1/papers/{paper['id']}/decision", json={"decision": "accepted"}, headers=admin)
    url = f"/v1/calls/{call['id']}/sessions"
    slot = {"room": "Zaal 1", "starts_at": at(1), "ends_at": at(2)}
    assert (await client.post(url, json={"paper_id": first["id"]} | slot, headers=admin)).status_code == 201

    room = await client.post(url, json={"title": "Plenair"} | slot, headers=admin)
    assert room.status_code == 409 and room.json()["type"].endswith(":room-taken")
    speaker = await client.post(url, json={"paper_id": second["id"]} | slot | {"room": "Zaal 2"}, headers=admin)
    assert speaker.status_code == 409 and speaker.json()["type"].endswith(":speaker-clash")
    assert f"'{ann}'" in speaker.json()["detail"]
    outside = await client.post(
        url, json={"title": "Borrel", "room": "Foyer", "starts_at": at(9), "ends_at": at(10)}, headers=admin
    )
    assert outside.status_code == 422 and outside.json()["type"].endswith(":outside-conference")
    backwards = await client.post(
        url, json={"title": "X", "room": "Foyer", "starts_at": at(3), "ends_at": at(2)}, headers=admin
    )
    assert backwards.status_code == 422 and backwards.json()["type"].endswith(":ends-before-start")
    later = await client.post(
        url, json={"paper_id": second["id"]} | slot | {"starts_at": at(2), "ends_at": at(3)}, headers=admin
    )
    assert later.status_code == 201, later.text
    scheduled = await client.post(f"/v1/papers/{second['id']}/decision", json={"decision": "rejected"}, headers=admin)
    assert scheduled.status_code == 409 and scheduled.json()["type"].endswith(":proposal-scheduled")
    moved = await client.put(
        f"{url}/{later.json()['id']}",
        json={"paper_id": second["id"]} | slot | {"starts_at": at(4), "ends_at": at(5)},
        headers=admin,
    )
    assert moved.status_code == 200 and moved.json()["starts_at"].startswith(at(4)[:16])
    assert (await client.delete(f"{url}/{later.json()['id']}", headers=admin)).status_code == 204
    assert (await client.delete(f"{url}/{later.json()['id']}", headers=admin)).status_code == 404


async def test_a_reviewer_never_reviews_their_own_proposal_and_only_assigned_reviewers_score(
    client: httpx.AsyncClient, network: Network
) -> None:
    admin = await network.member(None, "network_admin")
    org = await network.organisation()
    ann = f"ann-{uuid4().hex[:6]}"
    ann_h = await network.member(ann, org=org)
    cas_h = await network.member(None, org=org)
    call = (await open_call(client, admin, await conference(network))).json()
    paper = (await client.post(f"/v1/calls/{call['id']}/papers", json=proposal(), headers=ann_h)).json()
    own = await client.put(f"/v1/papers/{paper['id']}/reviewers/{ann}", headers=admin)
    assert own.status_code == 409 and own.json()["type"].endswith(":own-proposal")
    # A chair who was not assigned sees the proposal and is refused; a colleague who may not see it is told
    # there is none (decision 98).
    unassigned = await client.put(f"/v1/papers/{paper['id']}/review", json={"score": 5}, headers=admin)
    assert unassigned.status_code == 403 and unassigned.json()["type"].endswith(":not-a-reviewer")
    unseen = await client.put(f"/v1/papers/{paper['id']}/review", json={"score": 5}, headers=cas_h)
    assert unseen.status_code == 404 and unseen.json()["type"].endswith(":not-found")
    bad_score = await client.put(f"/v1/papers/{paper['id']}/review", json={"score": 6}, headers=cas_h)
    assert bad_score.status_code == 422
    not_chair = await client.put(f"/v1/papers/{paper['id']}/reviewers/{ann}", headers=ann_h)
    assert not_chair.status_code == 403 and not_chair.json()["type"].endswith(":not-a-call-chair")
    unseen = await client.put(f"/v1/papers/{paper['id']}/reviewers/{ann}", headers=cas_h)
    assert unseen.status_code == 404 and unseen.json()["type"].endswith(":not-found")
    withdrawn = await client.post(f"/v1/papers/{paper['id']}/withdraw", headers=ann_h)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
