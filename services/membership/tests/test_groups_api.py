"""The groups API on a real PostgreSQL: each lifecycle with its events in the outbox, in order and keyed by the
right id; who may do what; and the precise errors callers get."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from npd_membership.models import organisations
from npd_runtime.outbox import OUTBOX as outbox
from sqlalchemy import select, update

Headers = dict[str, str]
PersonFactory = Callable[..., Awaitable[Headers]]
App = tuple[Any, httpx.AsyncClient]

JOINED = "nl.npd.membership.person-joined-group.v1"
LEFT = "nl.npd.membership.person-left-group.v1"
ROLE = "nl.npd.membership.person-group-role-changed.v1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def a_group(**fields: Any) -> dict[str, Any]:
    return {"name": unique("Werkgroep"), "kind": "working_group", "topic": "Audit", **fields}


async def create(client: httpx.AsyncClient, admin: Headers, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/groups", json=a_group(**fields), headers=admin)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def events_since(app: Any, position: int) -> list[tuple[str, str, str]]:
    """(type, key, topic) of every outbox row written after `position`, in order."""
    async with app.state.sessions() as session:
        rows = await session.execute(
            select(outbox.c.type, outbox.c.key, outbox.c.topic)
            .where(outbox.c.position > position)
            .order_by(outbox.c.position)
        )
    return [(t, k, topic) for t, k, topic in rows]


async def last_position(app: Any) -> int:
    async with app.state.sessions() as session:
        return int(await session.scalar(select(outbox.c.position).order_by(outbox.c.position.desc()).limit(1)) or 0)


async def suspend(app: Any, org: UUID) -> None:
    async with app.state.sessions() as session, session.begin():
        await session.execute(update(organisations).where(organisations.c.id == org).values(status="suspended"))


async def in_an_organisation(person: PersonFactory, *roles: str) -> tuple[str, Headers]:
    sub = unique("p")
    return sub, await person(sub, *(roles or ("member",)), org=uuid4())


async def test_a_network_admin_creates_a_group_with_its_first_chairs_and_both_are_announced_in_order(
    app_and_client: App, admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    chair, _ = await in_an_organisation(person)
    before = await last_position(app)
    response = await client.post("/v1/groups", json=a_group(chairs=[chair], joining="approval"), headers=admin)
    assert response.status_code == 201, response.text
    group = response.json()
    assert response.headers["location"] == f"/v1/groups/{group['id']}"
    assert group["member_count"] == 1
    assert [c["person_id"] for c in group["chairs"]] == [chair]
    assert await events_since(app, before) == [
        ("nl.npd.membership.group-created.v1", group["id"], "npd.membership.group"),
        (JOINED, chair, "npd.membership.person"),
    ]


async def test_only_a_network_admin_creates_a_group(client: httpx.AsyncClient, person: PersonFactory) -> None:
    _, org_admin = await in_an_organisation(person, "org_admin", "member")
    response = await client.post("/v1/groups", json=a_group(), headers=org_admin)
    assert response.status_code == 403


async def test_a_second_active_group_of_the_same_name_is_a_conflict_but_an_archived_one_frees_it(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    first = await create(client, admin)
    response = await client.post("/v1/groups", json=a_group(name=f"  {first['name'].upper()} "), headers=admin)
    assert response.status_code == 409
    assert response.json()["type"] == "urn:npd:problem:duplicate-group"
    assert (await client.post(f"/v1/groups/{first['id']}/archive", headers=admin)).status_code == 200
    assert (await client.post("/v1/groups", json=a_group(name=first["name"]), headers=admin)).status_code == 201


async def test_an_unknown_first_chair_is_a_404_and_one_who_left_may_not_chair(
    app_and_client: App, admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    response = await client.post("/v1/groups", json=a_group(chairs=["nobody-known"]), headers=admin)
    assert response.status_code == 404
    suspended_org = uuid4()
    sub = unique("p")
    await person(sub, "member", org=suspended_org)
    await suspend(app, suspended_org)
    response = await client.post("/v1/groups", json=a_group(chairs=[sub]), headers=admin)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:npd:problem:not-eligible"


async def test_a_member_of_the_network_joins_an_open_group_and_leaves_it_and_each_is_announced(
    app_and_client: App, admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    group = await create(client, admin)
    sub, member = await in_an_organisation(person)
    before = await last_position(app)
    joined = await client.post(f"/v1/groups/{group['id']}/members", headers=member)
    assert joined.status_code == 201, joined.text
    assert joined.json()["status"] == "active" and joined.json()["role"] == "member"
    assert joined.headers["location"] == f"/v1/groups/{group['id']}/members/{sub}"
    again = await client.post(f"/v1/groups/{group['id']}/members", headers=member)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:npd:problem:already-a-member"
    assert (await client.delete(f"/v1/groups/{group['id']}/members/{sub}", headers=member)).status_code == 204
    assert [(t, k) for t, k, _ in await events_since(app, before)] == [(JOINED, sub), (LEFT, sub)]


async def test_a_request_is_approved_by_a_chair_and_only_then_announced(
    app_and_client: App, admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    chair_sub, chair = await in_an_organisation(person)
    group = await create(client, admin, joining="approval", chairs=[chair_sub])
    sub, member = await in_an_organisation(person)
    before = await last_position(app)
    requested = await client.post(f"/v1/groups/{group['id']}/members", headers=member)
    assert requested.status_code == 201
    assert requested.json()["status"] == "requested"
    assert await events_since(app, before) == []
    again = await client.post(f"/v1/groups/{group['id']}/members", headers=member)
    assert again.json()["type"] == "urn:npd:problem:already-requested"
    self_approval = await client.post(f"/v1/groups/{group['id']}/members/{sub}/approve", headers=member)
    assert self_approval.status_code == 403
    approved = await client.post(f"/v1/groups/{group['id']}/members/{sub}/approve", headers=chair)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active"
    assert [(t, k) for t, k, _ in await events_since(app, before)] == [(JOINED, sub)]
    twice = await client.post(f"/v1/groups/{group['id']}/members/{sub}/approve", headers=chair)
    assert twice.status_code == 409


async def test_approving_someone_who_did_not_ask_is_a_conflict(client: httpx.AsyncClient, admin: Headers) -> None:
    group = await create(client, admin, joining="approval")
    response = await client.post(f"/v1/groups/{group['id']}/members/someone/approve", headers=admin)
    assert response.status_code == 409
    assert response.json()["type"] == "urn:npd:problem:not-requested"


async def test_requests_are_shown_to_chairs_and_network_admins_only_and_a_declined_one_is_not_announced(
    app_and_client: App, admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    chair_sub, chair = await in_an_organisation(person)
    group = await create(client, admin, joining="approval", chairs=[chair_sub])
    sub, member = await in_an_organisation(person)
    await client.post(f"/v1/groups/{group['id']}/members", headers=member)
    url = f"/v1/groups/{group['id']}/members"
    assert (await client.get(f"{url}?status=requested", headers=member)).status_code == 403
    for who in (chair, admin):
        page = (await client.get(f"{url}?status=requested", headers=who)).json()
        assert [m["person_id"] for m in page["items"]] == [sub]
    before = await last_position(app)
    assert (await client.delete(f"{url}/{sub}", headers=chair)).status_code == 204
    assert await events_since(app, before) == []
    assert (await client.get(f"{url}?status=requested", headers=chair)).json()["total"] == 0


async def test_everyone_in_the_network_sees_the_members_chairs_first_with_their_organisation(
    client: httpx.AsyncClient, admin: Headers, person: PersonFactory
) -> None:
    chair_sub, _ = await in_an_organisation(person)
    group = await create(client, admin, chairs=[chair_sub])
    org = uuid4()
    subs = [unique("a"), unique("b")]
    for sub in subs:
        headers = await person(sub, "member", org=org)
        await client.post(f"/v1/groups/{group['id']}/members", headers=headers)
    page = (await client.get(f"/v1/groups/{group['id']}/members?limit=2", headers=headers)).json()
    assert page["total"] == 3 and page["limit"] == 2
    assert [(m["person_id"], m["role"]) for m in page["items"]] == [(chair_sub, "chair"), (subs[0], "member")]
    rest = (await client.get(f"/v1/groups/{group['id']}/members?offset=2", headers=headers)).json()["items"]
    assert [(m["person_id"], m["organisation_id"]) for m in rest] == [(subs[1], str(org))]


async def test_a_chair_appoints_another_chair_and_only_then_may_step_down(
    app_and_client: App, admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    chair_sub, chair = await in_an_organisation(person)
    group = await create(client, admin, chairs=[chair_sub])
    sub, member = await in_an_organisation(person)
    await client.post(f"/v1/groups/{group['id']}/members", headers=member)
    url = f"/v1/groups/{group['id']}/members"
    stepping_down = await client.put(f"{url}/{chair_sub}/role", json={"role": "member"}, headers=chair)
    assert stepping_down.status_code == 409
    assert stepping_down.json()["type"] == "urn:npd:problem:last-chair"
    assert (await client.delete(f"{url}/{chair_sub}", headers=chair)).status_code == 409
    assert (await client.put(f"{url}/{sub}/role", json={"role": "chair"}, headers=member)).status_code == 403
    before = await last_position(app)
    appointed = await client.put(f"{url}/{sub}/role", json={"role": "chair"}, headers=chair)
    assert appointed.status_code == 200 and appointed.json()["role"] == "chair"
    same = await client.put(f"{url}/{sub}/role", json={"role": "chair"}, headers=chair)
    assert same.status_code == 200
    assert (await client.put(f"{url}/{chair_sub}/role", json={"role": "member"}, headers=chair)).status_code == 200
    assert [(t, k) for t, k, _ in await events_since(app, before)] == [(ROLE, sub), (ROLE, chair_sub)]
    detail = (await client.get(f"/v1/groups/{group['id']}", headers=member)).json()
    assert [c["person_id"] for c in detail["chairs"]] == [sub]


async def test_a_chair_removes_a_member_but_a_member_cannot_remove_another(
    app_and_client: App, admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    chair_sub, chair = await in_an_organisation(person)
    group = await create(client, admin, chairs=[chair_sub])
    _, one_headers = await in_an_organisation(person)
    other, other_headers = await in_an_organisation(person)
    for headers in (one_headers, other_headers):
        await client.post(f"/v1/groups/{group['id']}/members", headers=headers)
    url = f"/v1/groups/{group['id']}/members"
    assert (await client.delete(f"{url}/{other}", headers=one_headers)).status_code == 403
    before = await last_position(app)
    assert (await client.delete(f"{url}/{other}", headers=chair)).status_code == 204
    async with app.state.sessions() as session:
        data = await session.scalar(select(outbox.c.data).where(outbox.c.position > before))
    assert '"reason":"removed"' in data
    assert (await client.delete(f"{url}/{other}", headers=chair)).status_code == 404


async def test_a_chair_changes_the_group_and_an_unchanged_put_announces_nothing(
    app_and_client: App, admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    chair_sub, chair = await in_an_organisation(person)
    _, member = await in_an_organisation(person)
    group = await create(client, admin, chairs=[chair_sub])
    body = {"name": group["name"], "topic": "HR", "description": "People matters.", "joining": "approval"}
    assert (await client.put(f"/v1/groups/{group['id']}", json=body, headers=member)).status_code == 403
    before = await last_position(app)
    changed = await client.put(f"/v1/groups/{group['id']}", json=body, headers=chair)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["topic"], changed.json()["joining"]) == ("HR", "approval")
    assert (await client.put(f"/v1/groups/{group['id']}", json=body, headers=admin)).status_code == 200
    assert await events_since(app, before) == [
        ("nl.npd.membership.group-changed.v1", group["id"], "npd.membership.group")
    ]


async def test_archiving_makes_every_member_leave_then_announces_the_archive_and_the_group_changes_no_more(
    app_and_client: App, admin: Headers, person: PersonFactory
) -> None:
    app, client = app_and_client
    chair_sub, chair = await in_an_organisation(person)
    group = await create(client, admin, chairs=[chair_sub], joining="approval")
    _, asking = await in_an_organisation(person)
    await client.post(f"/v1/groups/{group['id']}/members", headers=asking)
    assert (await client.post(f"/v1/groups/{group['id']}/archive", headers=chair)).status_code == 403
    before = await last_position(app)
    archived = await client.post(f"/v1/groups/{group['id']}/archive", headers=admin)
    assert archived.status_code == 200
    assert archived.json()["status"] == "archived" and archived.json()["member_count"] == 0
    assert await events_since(app, before) == [
        (LEFT, chair_sub, "npd.membership.person"),
        ("nl.npd.membership.group-archived.v1", group["id"], "npd.membership.group"),
    ]
    again = await client.post(f"/v1/groups/{group['id']}/archive", headers=admin)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:npd:problem:group-archived"
    assert (await client.post(f"/v1/groups/{group['id']}/members", headers=asking)).status_code == 409


async def test_listing_filters_by_kind_topic_name_and_status(client: httpx.AsyncClient, admin: Headers) -> None:
    marker = uuid4().hex[:8]
    await create(client, admin, name=f"Community {marker}", kind="expert_community", topic="Housing")
    await create(client, admin, name=f"Team {marker}", kind="programme_team", topic="housing")
    gone = await create(client, admin, name=f"Old {marker}", topic="Housing")
    await client.post(f"/v1/groups/{gone['id']}/archive", headers=admin)
    listed = (await client.get(f"/v1/groups?name={marker}&topic=HOUSING", headers=admin)).json()
    assert sorted(g["name"] for g in listed["items"]) == [f"Community {marker}", f"Team {marker}"]
    kind = (await client.get(f"/v1/groups?name={marker}&kind=programme_team", headers=admin)).json()
    assert [g["name"] for g in kind["items"]] == [f"Team {marker}"]
    archived = (await client.get(f"/v1/groups?name={marker}&status=archived", headers=admin)).json()
    assert [g["name"] for g in archived["items"]] == [f"Old {marker}"]


async def test_people_outside_the_network_see_no_groups(
    client: httpx.AsyncClient, admin: Headers, token: Callable[..., Headers]
) -> None:
    group = await create(client, admin)
    stranger = token("stranger")
    assert (await client.get("/v1/groups", headers=stranger)).status_code == 403
    assert (await client.get(f"/v1/groups/{group['id']}", headers=stranger)).status_code == 403
    assert (await client.get(f"/v1/groups/{group['id']}/members", headers=stranger)).status_code == 403


async def test_only_active_people_of_a_member_organisation_join(
    app_and_client: App, admin: Headers, person: PersonFactory, token: Callable[..., Headers]
) -> None:
    app, client = app_and_client
    group = await create(client, admin)
    url = f"/v1/groups/{group['id']}/members"
    assert (await client.post(url, headers=token("not-registered", "member"))).status_code == 403
    org = uuid4()
    headers = await person(unique("p"), "member", org=org)
    await suspend(app, org)
    refused = await client.post(url, headers=headers)
    assert refused.status_code == 403
    assert "not a member" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("put", ""),
        ("post", "/archive"),
        ("post", "/members"),
        ("get", "/members"),
        ("post", "/members/x/approve"),
        ("put", "/members/x/role"),
        ("delete", "/members/x"),
    ],
)
async def test_an_unknown_group_is_a_404_everywhere(
    client: httpx.AsyncClient, admin: Headers, method: str, path: str
) -> None:
    unknown = uuid4()
    bodies = {"/members/x/role": {"role": "chair"}, "": {"name": "Werkgroep", "topic": "Audit"}}
    body = bodies.get(path) if method == "put" else None
    response = await client.request(method, f"/v1/groups/{unknown}{path}", json=body, headers=admin)
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == f"group {unknown} does not exist"


@pytest.mark.parametrize(
    ("body", "location"),
    [
        (a_group(kind="club"), "body.kind"),
        (a_group(joining="sometimes"), "body.joining"),
        (a_group(name="x"), "body.name"),
        (a_group(topic="Audit\nHR"), "body.topic"),
        (a_group(chairs=[""]), "body.chairs.0"),
        (a_group(extra=1), "body.extra"),
    ],
)
async def test_an_invalid_group_gets_a_precise_422(
    client: httpx.AsyncClient, admin: Headers, body: dict[str, Any], location: str
) -> None:
    response = await client.post("/v1/groups", json=body, headers=admin)
    assert response.status_code == 422
    assert [e["location"] for e in response.json()["errors"]] == [location]


async def test_an_invalid_role_or_person_id_gets_a_422(client: httpx.AsyncClient, admin: Headers) -> None:
    group = await create(client, admin)
    url = f"/v1/groups/{group['id']}/members"
    response = await client.put(f"{url}/p/role", json={"role": "president"}, headers=admin)
    assert [e["location"] for e in response.json()["errors"]] == ["body.role"]
    response = await client.delete(f"{url}/bad%01id", headers=admin)
    assert response.status_code == 422
    assert [e["location"] for e in response.json()["errors"]] == ["path.person_id"]
