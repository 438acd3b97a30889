"""Reactions to membership's events, through the service's own consumer handlers on the real database: a
person who leaves a group loses their places at its members-only meetings, one who leaves the network all
their places to come, and an erased person's registrations keep no trace of them. Delivered twice, nothing
happens twice."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from npd_contracts import GroupLeaveReason, GroupRole, PersonErased, PersonLeft, PersonLeftGroup, Role
from npd_events.models import registrations
from sqlalchemy import select

Headers = dict[str, str]


async def meeting(client: httpx.AsyncClient, organiser: Headers, **fields: Any) -> str:
    start = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    body = {
        "title": "Sessie",
        "format": "working_group_session",
        "audience": "network",
        "online": True,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        **fields,
    }
    response = await client.post("/v1/meetings", json=body, headers=organiser)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def register(client: httpx.AsyncClient, meeting_id: str, headers: Headers) -> str:
    response = await client.post(f"/v1/meetings/{meeting_id}/registrations", headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["status"])


async def status(client: httpx.AsyncClient, meeting_id: str, person: str, organiser: Headers) -> tuple[str, str | None]:
    r = (await client.get(f"/v1/meetings/{meeting_id}/registrations/{person}", headers=organiser)).json()
    return r["status"], r["end_reason"]


async def test_leaving_a_group_ends_places_at_its_members_only_meetings_and_promotes_the_next(
    client: httpx.AsyncClient, network: Any
) -> None:
    group = await network.group()
    leaver, leaver_h = await network.person(groups={group: GroupRole.MEMBER})
    waiting, waiting_h = await network.person(groups={group: GroupRole.MEMBER})
    _, chair = await network.person(groups={group: GroupRole.CHAIR})
    members_only = await meeting(client, chair, audience="group", host_group_id=str(group), capacity=1)
    open_to_all = await meeting(client, chair, audience="network", host_group_id=str(group))
    assert await register(client, members_only, leaver_h) == "confirmed"
    assert await register(client, members_only, waiting_h) == "waitlisted"
    await register(client, open_to_all, leaver_h)
    since = await network.outbox_position()
    left = PersonLeftGroup(person_id=leaver, group_id=group, reason=GroupLeaveReason.LEFT, left_at=datetime.now(UTC))
    await network.deliver(left)
    assert await status(client, members_only, leaver, chair) == ("cancelled", "left_group")
    assert await status(client, members_only, waiting, chair) == ("confirmed", None)
    assert await status(client, open_to_all, leaver, chair) == ("confirmed", None)
    events = [t.split(".")[-2] for t, _ in await network.published(since)]
    assert events == ["registration-cancelled", "waitlist-promoted"]
    await network.deliver(left)  # again, as a replay would
    assert len(await network.published(since)) == 2


async def test_leaving_the_network_ends_every_place_still_to_come(client: httpx.AsyncClient, network: Any) -> None:
    _, admin = await network.person(Role.NETWORK_ADMIN)
    person, headers = await network.person()
    first, second = await meeting(client, admin), await meeting(client, admin)
    await register(client, first, headers)
    await register(client, second, headers)
    await network.deliver(PersonLeft(person_id=person, organisation_id=None, left_at=datetime.now(UTC)))
    assert await status(client, first, person, admin) == ("cancelled", "person_left")
    assert await status(client, second, person, admin) == ("cancelled", "person_left")


async def test_an_erased_persons_registrations_keep_no_trace_of_them(
    app_and_client: tuple[Any, httpx.AsyncClient], network: Any
) -> None:
    app, client = app_and_client
    _, admin = await network.person(Role.NETWORK_ADMIN)
    person, headers = await network.person()
    m = await meeting(client, admin)
    await register(client, m, headers)
    await network.deliver(PersonErased(person_id=person, erased_at=datetime.now(UTC)))
    async with app.state.sessions() as session:
        theirs = await session.scalar(select(registrations.c.id).where(registrations.c.person_id == person))
        kept = (
            await session.execute(
                select(registrations.c.person_id, registrations.c.end_reason).where(
                    registrations.c.meeting_id == UUID(m)
                )
            )
        ).all()
    assert theirs is None
    assert [(p.startswith("erased:"), reason) for p, reason in kept] == [(True, "erased")]
