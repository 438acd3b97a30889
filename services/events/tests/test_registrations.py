"""Registration through the API on the real database: capacity holds under concurrency, the waitlist is served
in order, offers pass on when not accepted in time, and the rules (deadline, once, audience) answer precisely."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from npd_contracts import GroupRole, Role
from npd_events.sweep import sweep

Headers = dict[str, str]
Network = Any  # conftest.Network


def soon(days: float = 7) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0, tzinfo=None)


async def meeting(client: httpx.AsyncClient, organiser: Headers, **fields: Any) -> dict[str, Any]:
    start = soon()
    body = {
        "title": "Kennissessie",
        "format": "knowledge_session",
        "audience": "network",
        "online": True,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        **fields,
    }
    response = await client.post("/v1/meetings", json=body, headers=organiser)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def people(network: Network, n: int) -> list[tuple[str, Headers]]:
    return [await network.person() for _ in range(n)]


async def statuses(client: httpx.AsyncClient, meeting_id: str, organiser: Headers) -> dict[str, str]:
    page = (await client.get(f"/v1/meetings/{meeting_id}/registrations?limit=200", headers=organiser)).json()
    return {r["person_id"]: r["status"] for r in page["items"]}


async def test_fifty_at_once_for_ten_places_give_ten_confirmed_and_forty_waitlisted_in_arrival_order(
    client: httpx.AsyncClient, network: Network
) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    m = await meeting(client, admin, capacity=10)
    crowd = await people(network, 50)
    since = await network.outbox_position()
    responses = await asyncio.gather(
        *(client.post(f"/v1/meetings/{m['id']}/registrations", headers=headers) for _, headers in crowd)
    )
    assert sorted(r.status_code for r in responses) == [201] * 50
    by_status = [r.json()["status"] for r in responses]
    assert by_status.count("confirmed") == 10 and by_status.count("waitlisted") == 40
    # The first ten to arrive (queue positions 1-10) hold the places; the waitlist is numbered 1-40.
    confirmed_positions = sorted(r.json()["queue_position"] for r in responses if r.json()["status"] == "confirmed")
    assert confirmed_positions == list(range(1, 11))
    waitlisted = await network.published(since, "waitlisted.v1")
    assert sorted(d["position"] for _, d in waitlisted) == list(range(1, 41))
    view = (await client.get(f"/v1/meetings/{m['id']}", headers=admin)).json()
    assert (view["places_taken"], view["waitlisted"]) == (10, 40)


async def test_cancellations_promote_the_waitlist_in_order(client: httpx.AsyncClient, network: Network) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    m = await meeting(client, admin, capacity=2)
    crowd = await people(network, 5)
    for _, headers in crowd:  # one after another: arrival order is the list's order
        assert (await client.post(f"/v1/meetings/{m['id']}/registrations", headers=headers)).status_code == 201
    since = await network.outbox_position()
    (first, first_headers), (second, _) = crowd[0], crowd[1]
    assert (
        await client.delete(f"/v1/meetings/{m['id']}/registrations/{first}", headers=first_headers)
    ).status_code == 204
    # An organiser cancels someone else's place too.
    assert (await client.delete(f"/v1/meetings/{m['id']}/registrations/{second}", headers=admin)).status_code == 204
    promoted = [d["person_id"] for _, d in await network.published(since, "waitlist-promoted.v1")]
    assert promoted == [crowd[2][0], crowd[3][0]]
    now = await statuses(client, m["id"], admin)
    assert [now[p] for p, _ in crowd] == ["cancelled", "cancelled", "confirmed", "confirmed", "waitlisted"]


async def test_an_offer_not_accepted_in_time_passes_to_the_next_and_an_accepted_one_confirms(
    app_and_client: tuple[Any, httpx.AsyncClient], network: Network
) -> None:
    app, client = app_and_client
    _, admin = await network.person(Role.NETWORK_ADMIN)
    m = await meeting(client, admin, capacity=1, offer_hours=24)
    (holder, holder_h), (slow, _), (quick, quick_h) = await people(network, 3)
    for headers in (holder_h, network.token(slow), quick_h):
        await client.post(f"/v1/meetings/{m['id']}/registrations", headers=headers)
    since = await network.outbox_position()
    await client.delete(f"/v1/meetings/{m['id']}/registrations/{holder}", headers=holder_h)
    offered = await network.published(since, "waitlist-offered.v1")
    assert [d["person_id"] for _, d in offered] == [slow]
    # A day and a bit later the sweep finds the offer expired: it passes to the next in line.
    async with app.state.sessions() as session, session.begin():
        swept = await sweep(session, datetime.now(UTC) + timedelta(hours=25), horizon_days=400)
    assert swept.offers_expired == 1
    events = [(t.split(".")[-2], d["person_id"]) for t, d in await network.published(since)]
    assert events[-2:] == [("registration-cancelled", slow), ("waitlist-offered", quick)]
    accepted = await client.post(f"/v1/meetings/{m['id']}/registrations/{quick}/accept", headers=quick_h)
    assert accepted.status_code == 200 and accepted.json()["status"] == "confirmed"
    again = await client.post(f"/v1/meetings/{m['id']}/registrations/{quick}/accept", headers=quick_h)
    assert again.status_code == 409 and again.json()["type"].endswith("no-offer")


async def test_registering_twice_is_a_conflict(client: httpx.AsyncClient, network: Network) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    m = await meeting(client, admin)
    _, headers = await network.person()
    assert (await client.post(f"/v1/meetings/{m['id']}/registrations", headers=headers)).status_code == 201
    twice = await client.post(f"/v1/meetings/{m['id']}/registrations", headers=headers)
    assert twice.status_code == 409
    assert twice.json()["type"] == "urn:npd:problem:already-registered"


async def test_registering_after_the_deadline_is_refused_with_the_deadline(
    client: httpx.AsyncClient, network: Network
) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    deadline = datetime.now(UTC) - timedelta(minutes=1)
    m = await meeting(client, admin, registration_deadline=deadline.isoformat())
    _, headers = await network.person()
    late = await client.post(f"/v1/meetings/{m['id']}/registrations", headers=headers)
    assert late.status_code == 409
    assert late.json()["type"] == "urn:npd:problem:registration-closed"
    assert "deadline" in late.json()["detail"]


async def test_a_groups_meeting_is_for_its_members_only(client: httpx.AsyncClient, network: Network) -> None:
    group = await network.group()
    _, chair = await network.person(groups={group: GroupRole.CHAIR})
    m = await meeting(client, chair, audience="group", host_group_id=str(group), format="working_group_session")
    _, member = await network.person(groups={group: GroupRole.MEMBER})
    _, outsider = await network.person()
    assert (await client.post(f"/v1/meetings/{m['id']}/registrations", headers=member)).status_code == 201
    refused = await client.post(f"/v1/meetings/{m['id']}/registrations", headers=outsider)
    assert refused.status_code == 403 and refused.json()["type"].endswith("not-in-audience")


async def test_a_larger_capacity_gives_places_to_the_waitlist(client: httpx.AsyncClient, network: Network) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    m = await meeting(client, admin, capacity=1)
    crowd = await people(network, 3)
    for _, headers in crowd:
        await client.post(f"/v1/meetings/{m['id']}/registrations", headers=headers)
    body = {k: m[k] for k in ("title", "format", "audience", "online", "starts_at", "ends_at")} | {"capacity": 3}
    changed = await client.put(f"/v1/meetings/{m['id']}", json=body, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["places_taken"], changed.json()["waitlisted"]) == (3, 0)


async def test_attendance_is_recorded_after_the_meeting_by_its_organisers(
    client: httpx.AsyncClient, network: Network
) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    start = datetime.now(UTC) + timedelta(seconds=2)
    m = await meeting(client, admin, starts_at=start.isoformat(), ends_at=(start + timedelta(hours=1)).isoformat())
    person, headers = await network.person()
    await client.post(f"/v1/meetings/{m['id']}/registrations", headers=headers)
    body = {"attendance": [{"person_id": person, "attended": True}]}
    early = await client.put(f"/v1/meetings/{m['id']}/attendance", json=body, headers=admin)
    assert early.status_code == 409 and early.json()["type"].endswith("meeting-not-started")
    await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 0.1)
    by_self = await client.put(f"/v1/meetings/{m['id']}/attendance", json=body, headers=headers)
    assert by_self.status_code == 403
    since = await network.outbox_position()
    done = await client.put(f"/v1/meetings/{m['id']}/attendance", json=body, headers=admin)
    assert done.status_code == 200 and done.json()[0]["attended"] is True
    assert [d["attended"] for _, d in await network.published(since, "attendance-recorded.v1")] == [True]
    stranger = {"attendance": [{"person_id": "nobody-registered", "attended": True}]}
    assert (await client.put(f"/v1/meetings/{m['id']}/attendance", json=stranger, headers=admin)).status_code == 422
