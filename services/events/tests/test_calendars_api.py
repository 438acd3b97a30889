"""Calendar feeds over HTTP on a real PostgreSQL: made, read without login by a calendar client, kept up to
date, revoked; read back with the icalendar library."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import icalendar
from npd_events.meetings.domain import MeetingStatus
from npd_events.models import meetings, registrations
from npd_events.registrations.domain import RegistrationStatus
from sqlalchemy import insert, update

from .conftest import Network

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


async def register(network: Network, meeting_id: Any, person: str, status: str = "confirmed") -> None:
    now = datetime.now(UTC)
    async with network.app.state.sessions() as session, session.begin():
        await session.execute(
            insert(registrations).values(
                id=uuid4(),
                meeting_id=meeting_id,
                person_id=person,
                status=status,
                queue_position=1,
                registered_at=now,
                confirmed_at=now if status == "confirmed" else None,
            )
        )


async def feed_of(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    made = await client.post("/v1/calendar/feeds", headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["url"])


def path(url: str) -> str:
    return url[url.index("/v1/") :]


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


async def test_a_weekly_series_in_the_feed_keeps_ten_oclock_across_daylight_saving(
    client: httpx.AsyncClient, network: Network
) -> None:
    group = await network.group()
    person = await network.member(None, org=await network.organisation(), groups={group: "member"})
    venue = await network.venue()
    # Weekly on Tuesday 10:00 local from late September to mid-April: across both changes of the coming year.
    year = datetime.now(UTC).year + 1
    first = datetime(year, 9, 22, 10, 0, tzinfo=AMSTERDAM)
    starts = [(first.replace(tzinfo=None) + timedelta(weeks=i)).replace(tzinfo=AMSTERDAM) for i in range(30)]
    for start in starts:
        await network.meeting(
            host_group_id=group,
            title="Werkgroep Audit",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            venue_id=venue.id,
        )
    url = await feed_of(client, person)
    answer = await client.get(path(url))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    events = [e for e in vevents(answer.content).values() if str(e["SUMMARY"]) == "Werkgroep Audit"]
    assert len(events) == 30
    assert {e.decoded("DTSTART").astimezone(AMSTERDAM).strftime("%H:%M") for e in events} == {"10:00"}
    assert {e.decoded("DTSTART").utcoffset() for e in events} == {timedelta(hours=1), timedelta(hours=2)}
    assert all(str(e["LOCATION"]) == "Stadhuis, Stadsplateau 1, 3521 AZ Utrecht (ook online)" for e in events)


async def test_a_cancelled_meeting_stays_in_the_feed_cancelled_with_a_higher_sequence(
    client: httpx.AsyncClient, network: Network
) -> None:
    sub = f"p-{uuid4().hex[:6]}"
    person = await network.member(sub, org=await network.organisation())
    meeting = await network.meeting(title="Kennissessie")
    await register(network, meeting.id, sub)
    other = await network.meeting(title="Niet voor mij")
    url = path(await feed_of(client, person))
    before = await client.get(url)
    uid = f"{meeting.id}@npd.events"
    assert set(vevents(before.content)) == {uid}
    assert f"{other.id}@npd.events" not in before.text
    unchanged = await client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""

    async with network.app.state.sessions() as session, session.begin():
        cancelled = {"status": MeetingStatus.CANCELLED.value, "sequence": 1, "cancelled_at": datetime.now(UTC)}
        await session.execute(update(meetings).where(meetings.c.id == meeting.id).values(**cancelled))
        ended = {"status": RegistrationStatus.CANCELLED.value, "end_reason": "meeting_cancelled"}
        await session.execute(update(registrations).where(registrations.c.meeting_id == meeting.id).values(**ended))
    after = await client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    event = vevents(after.content)[uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") > vevents(before.content)[uid].decoded("SEQUENCE")


async def test_a_new_feed_address_revokes_the_old_and_a_revoked_one_is_gone(
    client: httpx.AsyncClient, network: Network
) -> None:
    person = await network.member(None, org=await network.organisation())
    old = path(await feed_of(client, person))
    new = path(await feed_of(client, person))
    assert old != new
    gone = await client.get(old)
    assert gone.status_code == 410 and gone.json()["type"] == "urn:npd:problem:feed-revoked"
    assert (await client.get(new)).status_code == 200
    assert (await client.delete("/v1/calendar/feeds", headers=person)).status_code == 204
    assert (await client.get(new)).status_code == 410
    assert (await client.delete("/v1/calendar/feeds", headers=person)).status_code == 404
    unknown = await client.get(f"/v1/calendar/feeds/{'x' * 43}.ics")
    assert unknown.status_code == 404 and unknown.json()["type"] == "urn:npd:problem:unknown-feed"
    malformed = await client.get("/v1/calendar/feeds/short.ics")
    assert malformed.status_code == 422


async def test_a_group_feed_shows_the_groups_meetings_and_an_unknown_group_is_not_found(
    client: httpx.AsyncClient, network: Network
) -> None:
    group = await network.group(name="Expertgroep Data")
    person = await network.member(None, org=await network.organisation())
    held = await network.meeting(host_group_id=group, title="Data-sessie")
    await network.meeting(title="Iets anders")
    made = (await client.post("/v1/calendar/feeds", headers=person)).json()
    url = path(made["group_url"].replace("{group_id}", str(group)))
    answer = await client.get(url)
    assert answer.status_code == 200, answer.text
    cal = icalendar.Calendar.from_ical(answer.content)
    assert str(cal["X-WR-CALNAME"]) == "NPD: Expertgroep Data"
    assert set(vevents(answer.content)) == {f"{held.id}@npd.events"}
    missing = await client.get(path(made["group_url"].replace("{group_id}", str(uuid4()))))
    assert missing.status_code == 404 and missing.json()["type"] == "urn:npd:problem:unknown-group"


async def test_only_people_of_the_network_make_a_feed_and_only_the_tokens_hash_is_kept(
    client: httpx.AsyncClient, network: Network, token: Any
) -> None:
    assert (await client.post("/v1/calendar/feeds", headers=token("stranger"))).status_code == 403
    assert (await client.post("/v1/calendar/feeds")).status_code == 401
    person = await network.member(None, org=await network.organisation())
    made = (await client.post("/v1/calendar/feeds", headers=person)).json()
    from npd_events.models import feed_tokens
    from sqlalchemy import select

    async with network.app.state.sessions() as session, session.begin():
        stored = list(await session.scalars(select(feed_tokens.c.token_hash)))
    assert made["token"] not in stored and made["token"] in made["url"]


async def test_a_weekly_series_scheduled_through_the_api_reads_back_at_ten_oclock_and_a_cancellation_shows(
    client: httpx.AsyncClient, network: Network
) -> None:
    group = await network.group()
    chair = await network.member(None, org=await network.organisation(), groups={group: "chair"})
    # From February to November of next year: across CET -> CEST (end of March) and back (end of October).
    year = datetime.now(UTC).year + 1
    body = {
        "title": "Werkgroep Audit, wekelijks",
        "format": "working_group_session",
        "audience": "group",
        "host_group_id": str(group),
        "online": True,
        "rule": "FREQ=WEEKLY;COUNT=40",
        "starts_at": f"{year}-02-02T10:00:00",
        "time_zone": "Europe/Amsterdam",
        "duration_minutes": 90,
    }
    created = await client.post("/v1/series", json=body, headers=chair)
    assert created.status_code == 201, created.text
    feed = path(await feed_of(client, chair))
    events = {k: e for k, e in vevents((await client.get(feed)).content).items() if "wekelijks" in str(e["SUMMARY"])}
    assert len(events) == 40
    starts = sorted(e.decoded("DTSTART") for e in events.values())
    assert {s.astimezone(AMSTERDAM).strftime("%a %H:%M") for s in starts} == {"Tue 10:00"}
    assert [s.astimezone(UTC).hour for s in (starts[0], starts[15], starts[-1])] == [9, 8, 9]  # CET, CEST, CET

    occurrence = (await client.get("/v1/meetings", params={"series_id": created.json()["id"]}, headers=chair)).json()
    first = occurrence["items"][3]["id"]
    cancelled = await client.post(f"/v1/meetings/{first}/cancel", json={"reason": "Ziek"}, headers=chair)
    assert cancelled.status_code == 200, cancelled.text
    after = vevents((await client.get(feed)).content)[f"{first}@npd.events"]
    assert str(after["STATUS"]) == "CANCELLED"
    assert after.decoded("SEQUENCE") > events[f"{first}@npd.events"].decoded("SEQUENCE")
