"""People over HTTP on the real PostgreSQL: joining by invitation, roles, profile, leaving, erasure, and what an
organisation's departure does to its people. Events are read from the outbox (the relay is off here)."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from npd_membership.main import spec
from npd_membership.models import invitations, organisations
from npd_membership.organisations import service as organisation_service
from npd_membership.people import service
from npd_membership.people.domain import Role
from npd_runtime.outbox import OUTBOX as outbox
from sqlalchemy import select, text, update

Headers = dict[str, str]
PersonFactory = Callable[..., Awaitable[Headers]]
PERSON_TOPIC = "npd.membership.person"
CONTACT_TOPIC = "npd.membership.contact"
JOINED = 2  # events of a colleague invited as a plain member: registered, granted member


async def events_of(app: Any, key: str, *, contact: bool = False) -> list[tuple[str, str, dict[str, Any]]]:
    """(topic, type without prefix and version, data) of every event keyed by `key`, oldest first; those on
    the restricted contact topic only when `contact` is set."""
    on_topic = outbox.c.topic == CONTACT_TOPIC if contact else outbox.c.topic != CONTACT_TOPIC
    async with app.state.sessions() as session:
        rows = await session.execute(
            select(outbox.c.topic, outbox.c.type, outbox.c.data)
            .where(outbox.c.key == key, on_topic)
            .order_by(outbox.c.position)
        )
    return [(topic, t.removeprefix("nl.npd.membership.").removesuffix(".v1"), json.loads(d)) for topic, t, d in rows]


async def member_organisation(client: httpx.AsyncClient, token: Callable[..., Headers], admin: Headers) -> str:
    """A new member organisation whose contact (its admin, after admission) is `contact-<org id>`."""
    contact = f"contact-{uuid4().hex[:8]}"
    body = {
        "name": f"Gemeente {uuid4().hex[:8]}",
        "kind": "municipality",
        "contact_name": "Anna de Vries",
        "contact_email": "anna@example.nl",
    }
    applied = await client.post("/v1/organisations", json=body, headers=token(contact))
    org_id: str = applied.json()["id"]
    assert (await client.post(f"/v1/organisations/{org_id}/admit", headers=admin)).status_code == 200
    return org_id


async def contact_of(client: httpx.AsyncClient, admin: Headers, org_id: str) -> str:
    contact: str = (await client.get(f"/v1/organisations/{org_id}", headers=admin)).json()["contact_person_id"]
    return contact


async def invite_and_accept(
    client: httpx.AsyncClient, token: Callable[..., Headers], org_admin: Headers, org_id: str, role: str = "member"
) -> str:
    invited = await client.post(
        f"/v1/organisations/{org_id}/invitations",
        json={"email": "colleague@example.nl", "name": "Bram Jansen", "role": role},
        headers=org_admin,
    )
    assert invited.status_code == 201, invited.text
    sub = f"colleague-{uuid4().hex[:8]}"
    accepted = await client.post(
        f"/v1/invitations/{invited.json()['id']}/accept", json={"code": invited.json()["code"]}, headers=token(sub)
    )
    assert accepted.status_code == 200, accepted.text
    return sub


async def test_an_admitted_organisations_contact_joins_as_its_admin_and_the_events_say_so_in_order(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    contact = await contact_of(client, admin, org_id)
    me = (await client.get("/v1/me", headers=token(contact))).json()
    assert me["organisation_id"] == org_id
    assert me["name"] == "Anna de Vries"
    assert {r["role"] for r in me["roles"]} == {"org_admin", "member"}
    events = await events_of(app, contact)
    assert [(topic, kind) for topic, kind, _ in events] == [
        (PERSON_TOPIC, "person-registered"),
        (PERSON_TOPIC, "person-role-granted"),
        (PERSON_TOPIC, "person-role-granted"),
    ]
    assert "anna@example.nl" not in json.dumps([data for _, _, data in events])


async def test_an_invited_colleague_accepts_and_joins_with_the_role_of_the_invitation(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    org_admin = token(await contact_of(client, admin, org_id), "org_admin", org_id=org_id)
    sub = await invite_and_accept(client, token, org_admin, org_id, role="board_member")
    me = (await client.get("/v1/me", headers=token(sub))).json()
    assert (me["organisation_id"], me["name"]) == (org_id, "Bram Jansen")
    assert {r["role"] for r in me["roles"]} == {"board_member", "member"}
    kinds = [kind for _, kind, _ in await events_of(app, sub)]
    assert kinds == ["person-registered", "person-role-granted", "person-role-granted"]
    listed = (await client.get(f"/v1/organisations/{org_id}/invitations", headers=org_admin)).json()
    assert [(i["status"], i["accepted_by"]) for i in listed] == [("accepted", sub)]


async def test_an_invitation_is_accepted_once_only_with_its_code_and_not_after_it_expired(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    org_admin = token(await contact_of(client, admin, org_id), "org_admin", org_id=org_id)

    async def invitation() -> dict[str, Any]:
        body = {"email": "x@example.nl", "name": "X"}
        created: dict[str, Any] = (
            await client.post(f"/v1/organisations/{org_id}/invitations", json=body, headers=org_admin)
        ).json()
        return created

    first = await invitation()
    accept = f"/v1/invitations/{first['id']}/accept"
    wrong = await client.post(accept, json={"code": "not-the-code"}, headers=token("guesser"))
    assert wrong.status_code == 404
    assert (await client.post(accept, json={"code": first["code"]}, headers=token("p-once"))).status_code == 200
    again = await client.post(accept, json={"code": first["code"]}, headers=token("p-twice"))
    assert (again.status_code, again.json()["type"]) == (409, "urn:npd:problem:invitation-closed")

    late = await invitation()
    async with app.state.sessions() as session, session.begin():
        stmt = (
            update(invitations).where(invitations.c.id == late["id"]).values(expires_at=text("now() - interval '1s'"))
        )
        await session.execute(stmt)
    expired = await client.post(f"/v1/invitations/{late['id']}/accept", json={"code": late["code"]}, headers=token("l"))
    assert (expired.status_code, expired.json()["type"]) == (410, "urn:npd:problem:invitation-expired")

    withdrawn = await invitation()
    path = f"/v1/organisations/{org_id}/invitations/{withdrawn['id']}/withdraw"
    assert (await client.post(path, headers=org_admin)).json()["status"] == "withdrawn"
    refused = await client.post(
        f"/v1/invitations/{withdrawn['id']}/accept", json={"code": withdrawn["code"]}, headers=token("w")
    )
    assert refused.status_code == 409


async def test_someone_already_in_the_network_cannot_accept_another_invitation(
    client: httpx.AsyncClient, token: Callable[..., Headers], admin: Headers
) -> None:
    org_id = await member_organisation(client, token, admin)
    contact = await contact_of(client, admin, org_id)
    org_admin = token(contact, "org_admin", org_id=org_id)
    body = {"email": "y@example.nl", "name": "Y"}
    invited = (await client.post(f"/v1/organisations/{org_id}/invitations", json=body, headers=org_admin)).json()
    response = await client.post(
        f"/v1/invitations/{invited['id']}/accept", json={"code": invited["code"]}, headers=token(contact)
    )
    assert (response.status_code, response.json()["type"]) == (409, "urn:npd:problem:already-registered")


async def test_only_an_organisations_own_admin_or_a_network_admin_invites(
    client: httpx.AsyncClient, token: Callable[..., Headers], admin: Headers, person: PersonFactory
) -> None:
    org_id = await member_organisation(client, token, admin)
    body = {"email": "z@example.nl", "name": "Z"}
    stranger = await person(f"other-admin-{uuid4().hex[:6]}", "org_admin", org=uuid4())
    assert (
        await client.post(f"/v1/organisations/{org_id}/invitations", json=body, headers=stranger)
    ).status_code == 403
    assert (await client.post(f"/v1/organisations/{org_id}/invitations", json=body, headers=admin)).status_code == 201
    assert (await client.get(f"/v1/organisations/{org_id}/invitations", headers=stranger)).status_code == 403


async def test_an_org_admin_grants_and_revokes_roles_of_their_own_people_only(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    org_admin = token(await contact_of(client, admin, org_id), "org_admin", org_id=org_id)
    sub = await invite_and_accept(client, token, org_admin, org_id)

    granted = await client.put(f"/v1/people/{sub}/roles/adviser", headers=org_admin)
    assert {g["role"] for g in granted.json()} == {"adviser", "member"}
    twice = await client.put(f"/v1/people/{sub}/roles/adviser", headers=org_admin)
    assert (twice.status_code, twice.json()["type"]) == (409, "urn:npd:problem:already-holds-role")
    assert (await client.put(f"/v1/people/{sub}/roles/network_admin", headers=org_admin)).status_code == 403
    other = await person(f"other-{uuid4().hex[:6]}", "org_admin", org=uuid4())
    assert (await client.put(f"/v1/people/{sub}/roles/board_member", headers=other)).status_code == 404

    revoked = await client.delete(f"/v1/people/{sub}/roles/adviser", headers=org_admin)
    assert [g["role"] for g in revoked.json()] == ["member"]
    not_held = await client.delete(f"/v1/people/{sub}/roles/adviser", headers=org_admin)
    assert (not_held.status_code, not_held.json()["type"]) == (409, "urn:npd:problem:does-not-hold-role")
    kinds = [kind for _, kind, _ in await events_of(app, sub)]
    assert kinds[-2:] == ["person-role-granted", "person-role-revoked"]


async def test_a_changed_name_is_announced_and_a_changed_visibility_is_not(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    contact = await contact_of(client, admin, org_id)
    before = len(await events_of(app, contact))
    profile = {"name": "Anna de Vries-Smit", "language": "en", "function_title": "CIO", "visibility": "network"}
    assert (await client.put("/v1/me", json=profile, headers=token(contact))).json()["function_title"] == "CIO"
    hidden = await client.put("/v1/me", json=profile | {"visibility": "hidden"}, headers=token(contact))
    assert hidden.json()["visibility"] == "hidden"
    new = (await events_of(app, contact))[before:]
    assert [(kind, data["name"], data["language"]) for _, kind, data in new] == [
        ("person-profile-changed", "Anna de Vries-Smit", "en")
    ]


async def test_an_organisation_leaving_ends_its_peoples_roles_and_groups_before_member_left(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    contact = await contact_of(client, admin, org_id)
    org_admin = token(contact, "org_admin", org_id=org_id)
    sub = await invite_and_accept(client, token, org_admin, org_id)
    group_id = uuid4()
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO groups (id, name, kind, topic, description, joining, status, created_at) "
                "VALUES (:id, :name, 'working_group', 'HR', '', 'open', 'active', now())"
            ),
            {"id": group_id, "name": f"HR {group_id.hex[:8]}"},
        )
        await session.execute(
            text(
                "INSERT INTO group_members (group_id, person_id, role, status, requested_at, joined_at) "
                "VALUES (:g, :p, 'member', 'active', now(), now())"
            ),
            {"g": group_id, "p": sub},
        )

    left = await client.post(f"/v1/organisations/{org_id}/leave", headers=org_admin, json={"reason": "withdrew"})
    assert left.json()["status"] == "left"
    ended = [(kind, data.get("role"), data.get("reason")) for _, kind, data in await events_of(app, sub)][JOINED:]
    assert ended == [
        ("person-role-revoked", "member", "organisation_left"),
        ("person-left-group", None, "organisation_left"),
        ("person-left", None, None),
    ]
    assert [kind for _, kind, _ in await events_of(app, contact)][-3:] == [*["person-role-revoked"] * 2, "person-left"]
    assert [kind for _, kind, _ in await events_of(app, org_id)][-1] == "member-left"
    me = (await client.get("/v1/me", headers=token(sub))).json()
    assert (me["status"], me["roles"]) == ("left", [])


async def test_a_person_who_leaves_loses_roles_and_groups_and_only_they_or_their_admins_may_say_so(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    org_admin = token(await contact_of(client, admin, org_id), "org_admin", org_id=org_id)
    sub = await invite_and_accept(client, token, org_admin, org_id)
    assert (await client.post(f"/v1/people/{sub}/leave", headers=token("somebody-else"))).status_code == 404
    left = await client.post(f"/v1/people/{sub}/leave", headers=token(sub))
    assert left.json()["status"] == "left"
    kinds = [kind for _, kind, _ in await events_of(app, sub)][JOINED:]
    assert kinds == ["person-role-revoked", "person-left"]
    again = await client.post(f"/v1/people/{sub}/leave", headers=org_admin)
    assert (again.status_code, again.json()["type"]) == (409, "urn:npd:problem:person-not-active")


async def test_erasure_removes_personal_data_everywhere_in_membership_and_announces_only_the_id(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    contact = await contact_of(client, admin, org_id)
    erased = await client.post(f"/v1/people/{contact}/erasure", headers=admin)
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert (body["status"], body["name"], body["email"], body["roles"]) == ("erased", "(erased)", None, [])
    *_, (topic, kind, data) = await events_of(app, contact)
    assert (topic, kind) == (PERSON_TOPIC, "person-erased")
    assert set(data) == {"person_id", "erased_at"}
    async with app.state.sessions() as session:
        row = (
            await session.execute(
                select(organisations.c.contact_name, organisations.c.contact_email).where(organisations.c.id == org_id)
            )
        ).one()
    assert "Anna" not in row.contact_name and "anna@" not in row.contact_email
    twice = await client.post(f"/v1/people/{contact}/erasure", headers=admin)
    assert twice.status_code == 409


@pytest.mark.parametrize("path", ["/v1/people/{sub}/roles", "/v1/people/{sub}/erasure"])
async def test_a_stranger_is_told_a_person_does_not_exist(
    client: httpx.AsyncClient, token: Callable[..., Headers], person: PersonFactory, path: str
) -> None:
    sub = f"private-{uuid4().hex[:6]}"
    await person(sub, "member", org=uuid4())
    stranger = await person(f"stranger-{uuid4().hex[:6]}", "org_admin", org=uuid4())
    method = client.get if path.endswith("roles") else client.post
    response = await method(path.format(sub=sub), headers=stranger)
    assert (response.status_code, response.json()["type"]) == (404, "urn:npd:problem:not-found")


async def test_the_last_network_admin_keeps_the_role(
    rolled_back: Callable[..., Any], app_and_client: tuple[Any, httpx.AsyncClient], person: PersonFactory
) -> None:
    app = app_and_client[0]
    await person("sole-admin", "network_admin")
    await person("next-admin")
    async with rolled_back(spec(app.state.settings)) as session:
        await session.execute(
            text("DELETE FROM person_roles WHERE role = 'network_admin' AND person_id <> 'sole-admin'")
        )
        with pytest.raises(service.LastNetworkAdmin):
            await service.revoke_role(session, "sole-admin", Role.NETWORK_ADMIN)
        await session.execute(
            text("INSERT INTO person_roles (person_id, role, granted_at) VALUES ('next-admin', 'network_admin', now())")
        )
        assert [g.role for g in await service.revoke_role(session, "sole-admin", Role.NETWORK_ADMIN)] == []


async def test_two_organisations_with_one_contact_admitted_at_once_both_succeed_and_register_them_once(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]
) -> None:
    app, client = app_and_client
    contact = f"busy-contact-{uuid4().hex[:8]}"
    orgs = []
    for _ in range(2):
        body = {
            "name": f"Gemeente {uuid4().hex[:8]}",
            "kind": "municipality",
            "contact_name": "B",
            "contact_email": "b@x.nl",
        }
        orgs.append(UUID((await client.post("/v1/organisations", json=body, headers=token(contact))).json()["id"]))
    async with app.state.sessions() as first, app.state.sessions() as second:
        await first.begin()
        await second.begin()
        await organisation_service.admit_organisation(first, orgs[0], by="admin-1")  # registers them, uncommitted
        # The second admission finds nobody yet, so tries to register them too and waits on the first's key.
        waiting = asyncio.create_task(organisation_service.admit_organisation(second, orgs[1], by="admin-1"))
        await asyncio.sleep(0.5)
        assert not waiting.done()
        await first.commit()
        admitted = await waiting
        await second.commit()
    assert admitted.status.value == "member"
    me = (await client.get("/v1/me", headers=token(contact))).json()
    assert me["organisation_id"] == str(orgs[0])
    assert [kind for _, kind, _ in await events_of(app, contact)].count("person-registered") == 1


async def test_someone_who_left_comes_back_with_a_new_invitation_and_a_contact_with_a_new_organisation(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    contact = await contact_of(client, admin, org_id)
    sub = await invite_and_accept(client, token, token(contact), org_id)
    assert (await client.post(f"/v1/people/{sub}/leave", headers=token(sub))).status_code == 200
    other_org = await member_organisation(client, token, admin)
    other_admin = token(await contact_of(client, admin, other_org))
    invited = (
        await client.post(
            f"/v1/organisations/{other_org}/invitations",
            json={"email": "back@x.nl", "name": "Back"},
            headers=other_admin,
        )
    ).json()
    back = await client.post(
        f"/v1/invitations/{invited['id']}/accept", json={"code": invited["code"]}, headers=token(sub)
    )
    assert back.status_code == 200, back.text
    assert (back.json()["status"], back.json()["organisation_id"], back.json()["left_at"]) == (
        "active",
        other_org,
        None,
    )
    assert [kind for _, kind, _ in await events_of(app, sub)][-3:] == [
        "person-left",
        "person-registered",
        "person-role-granted",
    ]

    # The first organisation leaves, so its contact leaves the network; they apply for another, which is admitted.
    assert (await client.post(f"/v1/organisations/{org_id}/leave", headers=token(contact))).status_code == 200
    body = {
        "name": f"Gemeente {uuid4().hex[:8]}",
        "kind": "municipality",
        "contact_name": "A",
        "contact_email": "a@x.nl",
    }
    third = (await client.post("/v1/organisations", json=body, headers=token(contact))).json()["id"]
    assert (await client.post(f"/v1/organisations/{third}/admit", headers=admin)).status_code == 200
    me = (await client.get("/v1/me", headers=token(contact))).json()
    assert (me["status"], me["organisation_id"]) == ("active", third)
    assert {r["role"] for r in me["roles"]} == {"org_admin", "member"}


async def test_addresses_travel_only_on_the_contact_topic_and_are_withdrawn_on_leaving_and_erasure(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org_id = await member_organisation(client, token, admin)
    contact = await contact_of(client, admin, org_id)
    org_admin = token(contact, "org_admin", org_id=org_id)
    colleague = await invite_and_accept(client, token, org_admin, org_id)
    assert (await client.post(f"/v1/people/{colleague}/leave", headers=token(colleague))).status_code == 200
    assert (await client.post(f"/v1/people/{contact}/erasure", headers=admin)).status_code == 200

    def addresses(events: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str, str | None]]:
        return [(topic, kind, data["email"]) for topic, kind, data in events]

    assert addresses(await events_of(app, contact, contact=True)) == [
        (CONTACT_TOPIC, "person-contact-changed", "anna@example.nl"),
        (CONTACT_TOPIC, "person-contact-changed", None),
    ]
    assert addresses(await events_of(app, colleague, contact=True)) == [
        (CONTACT_TOPIC, "person-contact-changed", "colleague@example.nl"),
        (CONTACT_TOPIC, "person-contact-changed", None),
    ]
    everything_else = await events_of(app, contact) + await events_of(app, colleague)
    assert "@example.nl" not in json.dumps([data for _, _, data in everything_else])
