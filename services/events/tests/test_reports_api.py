"""Reports over HTTP on a real PostgreSQL, and the public listings that need no login."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
from npd_events.meetings.domain import Audience, MeetingStatus

from .conftest import Network


def report(**extra: object) -> dict[str, object]:
    return {
        "title": "Verslag netwerkbijeenkomst",
        "summary": "We spraken over data.\nEn over dienstverlening.",
        "lessons_learned": "Begin klein.",
        "attachments": [{"title": "Slides", "url": "https://npd.example/slides.pdf"}],
        "visibility": "public",
    } | extra


async def test_a_public_report_of_a_held_meeting_is_listed_without_login_and_names_nobody(
    client: httpx.AsyncClient, network: Network
) -> None:
    admin = await network.member(None, "network_admin")
    held = await network.meeting(starts_at=datetime.now(UTC) - timedelta(days=2), title="Kwartaalbijeenkomst")
    published = await client.put(f"/v1/meetings/{held.id}/report", json=report(), headers=admin)
    assert published.status_code == 201, published.text
    body = published.json()
    assert body["meeting_title"] == "Kwartaalbijeenkomst" and "published_by" not in body
    [event] = await network.outbox("nl.npd.events.report-published.v1", held.id)
    assert event["report_id"] == body["id"] and event["visibility"] == "public"

    listed = await client.get("/v1/public/reports?limit=100")
    assert listed.status_code == 200
    assert body["id"] in [r["id"] for r in listed.json()["items"]]
    one = await client.get(f"/v1/public/reports/{body['id']}")
    assert one.status_code == 200 and one.json()["attachments"] == [
        {"title": "Slides", "url": "https://npd.example/slides.pdf"}
    ]

    # Taken back to the network: gone from the public listing, still there for the network.
    again = await client.put(f"/v1/meetings/{held.id}/report", json=report(visibility="network"), headers=admin)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert (await client.get(f"/v1/public/reports/{body['id']}")).status_code == 404
    member = await network.member(None)
    assert (await client.get(f"/v1/meetings/{held.id}/report", headers=member)).json()["visibility"] == "network"
    assert len(await network.outbox("nl.npd.events.report-published.v1", held.id)) == 2
    unchanged = await client.put(f"/v1/meetings/{held.id}/report", json=report(visibility="network"), headers=admin)
    assert unchanged.status_code == 200
    assert len(await network.outbox("nl.npd.events.report-published.v1", held.id)) == 2


async def test_reports_are_refused_precisely(client: httpx.AsyncClient, network: Network) -> None:
    admin = await network.member(None, "network_admin")
    member = await network.member(None)
    held = await network.meeting(starts_at=datetime.now(UTC) - timedelta(days=2))
    insecure = report(attachments=[{"title": "Slides", "url": "http://npd.example/slides.pdf"}])
    plain = await client.put(f"/v1/meetings/{held.id}/report", json=insecure, headers=admin)
    # Refused by the schema's declared rule (domain.check_link stays behind it).
    assert plain.status_code == 422 and plain.json()["type"] == "urn:npd:problem:validation-failed"
    assert plain.json()["errors"][0]["location"] == "body.attachments.0.url"
    future = await network.meeting()
    early = await client.put(f"/v1/meetings/{future.id}/report", json=report(), headers=admin)
    assert early.status_code == 409 and early.json()["type"] == "urn:npd:problem:meeting-not-held"
    unknown = await client.put(f"/v1/meetings/{uuid4()}/report", json=report(), headers=admin)
    assert unknown.status_code == 404 and unknown.json()["type"] == "urn:npd:problem:unknown-meeting"
    stranger = await client.put(f"/v1/meetings/{held.id}/report", json=report(), headers=member)
    assert stranger.status_code == 403 and stranger.json()["type"] == "urn:npd:problem:not-an-organiser"
    cancelled = await network.meeting(starts_at=datetime.now(UTC) - timedelta(days=1), status=MeetingStatus.CANCELLED)
    off = await client.put(f"/v1/meetings/{cancelled.id}/report", json=report(), headers=admin)
    assert off.status_code == 409 and off.json()["type"] == "urn:npd:problem:meeting-cancelled"
    assert (await client.get(f"/v1/meetings/{held.id}/report", headers=member)).status_code == 404


async def test_a_host_groups_chair_publishes_its_meetings_report(client: httpx.AsyncClient, network: Network) -> None:
    group = await network.group()
    chair = await network.member(None, org=await network.organisation(), groups={group: "chair"})
    held = await network.meeting(starts_at=datetime.now(UTC) - timedelta(hours=1), host_group_id=group)
    assert (await client.put(f"/v1/meetings/{held.id}/report", json=report(), headers=chair)).status_code == 201


async def test_the_public_meetings_are_only_public_ones_to_come_without_anyones_name(
    client: httpx.AsyncClient, network: Network
) -> None:
    venue = await network.venue()
    public = await network.meeting(audience=Audience.PUBLIC, title="Inwonersavond", venue_id=venue.id)
    network_only = await network.meeting(audience=Audience.NETWORK, title="Alleen netwerk")
    past = await network.meeting(audience=Audience.PUBLIC, starts_at=datetime.now(UTC) - timedelta(days=30))
    answer = await client.get("/v1/public/meetings?limit=100")
    assert answer.status_code == 200
    ids = [m["id"] for m in answer.json()["items"]]
    assert str(public.id) in ids and str(network_only.id) not in ids and str(past.id) not in ids
    item = next(m for m in answer.json()["items"] if m["id"] == str(public.id))
    assert item["venue"] == {
        "name": "Stadhuis",
        "address": "Stadsplateau 1",
        "postal_code": "3521 AZ",
        "city": "Utrecht",
    }
    assert "created_by" not in item and "scheduler" not in answer.text
    since = (datetime.now(UTC) - timedelta(days=60)).isoformat()
    with_past = await client.get("/v1/public/meetings", params={"since": since, "limit": 100})
    assert str(past.id) in [m["id"] for m in with_past.json()["items"]]
