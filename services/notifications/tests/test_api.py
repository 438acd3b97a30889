"""The inbox API: each person of the network sees and marks only their own notifications."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest_asyncio
from npd_contracts import Envelope, PersonRoleGranted, Role
from npd_notifications.config import NotificationsSettings
from npd_notifications.domain import Notification
from npd_notifications.main import create_app
from npd_notifications.models import NOTIFICATIONS, notifications
from npd_runtime.access import on_person_role_granted

Headers = dict[str, str]


@pytest_asyncio.fixture(scope="module")
async def app_and_client(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(NotificationsSettings(**service_settings("notifications")))
    async with run_app(app) as client:
        yield app, client


async def deliver(app: Any, person: str, title: str = "Hello") -> Notification:
    note = Notification(
        id=uuid4(), recipient_person_id=person, kind="announcement", title=title, body="...", organisation_id=None
    )
    fields = [f for f in NOTIFICATIONS.fields if f not in ("created_at", "read_at", "archived_at")]
    async with app.state.sessions() as session, session.begin():
        await session.execute(notifications.insert(), [NOTIFICATIONS.values(note, *fields)])
    return note


async def in_network(app: Any, person: str) -> None:
    """As if membership's PersonRoleGranted had arrived: the read model knows the person as a member."""
    event = PersonRoleGranted(person_id=person, role=Role.MEMBER, organisation_id=uuid4(), granted_at=datetime.now(UTC))
    async with app.state.sessions() as session, session.begin():
        await on_person_role_granted(session, [Envelope(data=event, source="/tests")])


async def test_a_person_sees_only_their_own_notifications_newest_first(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]
) -> None:
    app, client = app_and_client
    person = f"p-{uuid4().hex[:6]}"
    await deliver(app, person, "first")
    await deliver(app, person, "second")
    await deliver(app, "someone-else", "not yours")
    await in_network(app, person)
    page = (await client.get("/v1/inbox", headers=token(person))).json()
    assert [n["title"] for n in page["items"]] == ["second", "first"]
    assert page["total"] == 2


async def test_marking_read_is_idempotent_and_filters_the_unread_view(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]
) -> None:
    app, client = app_and_client
    person = f"p-{uuid4().hex[:6]}"
    note = await deliver(app, person)
    await in_network(app, person)
    first = await client.post(f"/v1/inbox/{note.id}/read", headers=token(person))
    again = await client.post(f"/v1/inbox/{note.id}/read", headers=token(person))
    assert first.status_code == again.status_code == 200
    assert first.json()["read_at"] == again.json()["read_at"] is not None
    unread = (await client.get("/v1/inbox?unread=true", headers=token(person))).json()
    assert unread["items"] == []


async def test_someone_elses_notification_is_not_found(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]
) -> None:
    app, client = app_and_client
    note = await deliver(app, "owner")
    response = await client.post(f"/v1/inbox/{note.id}/read", headers=token("thief"))
    assert response.status_code == 404
    assert response.json()["type"] == "urn:npd:problem:not-found"


async def test_someone_membership_gave_no_role_reads_no_inbox_whatever_their_token_claims(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]
) -> None:
    app, client = app_and_client
    person = f"p-{uuid4().hex[:6]}"
    await deliver(app, person)
    response = await client.get("/v1/inbox", headers=token(person, "network_admin", "member"))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:npd:problem:forbidden"


async def test_the_inbox_needs_a_token(app_and_client: tuple[Any, httpx.AsyncClient]) -> None:
    _, client = app_and_client
    assert (await client.get("/v1/inbox")).status_code == 401


async def test_the_asyncapi_document_names_the_events_it_consumes_with_their_schemas(
    app_and_client: tuple[Any, httpx.AsyncClient],
) -> None:
    _, client = app_and_client
    document = (await client.get("/asyncapi.json")).json()
    message = document["components"]["messages"]["notifications:npd.membership.organisation:SubscribeMessage"]
    consumed = {ref["$ref"].rsplit("/", 1)[1] for ref in message["payload"]["oneOf"]}
    assert {"MemberJoined", "OrganisationApplied", "MemberLeft"} <= consumed
    contact = document["components"]["messages"]["notifications:npd.membership.contact:SubscribeMessage"]
    assert contact["payload"] == {"$ref": "#/components/schemas/PersonContactChanged"} or contact["payload"] == {
        "oneOf": [{"$ref": "#/components/schemas/PersonContactChanged"}]
    }
    joined = document["components"]["schemas"]["MemberJoined"]
    assert "contact_person_id" in joined["required"]
    assert (await client.get("/asyncapi")).status_code == 200


async def test_the_unread_count_falls_as_notifications_are_read_all_at_once_or_archived(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]
) -> None:
    app, client = app_and_client
    person = f"p-{uuid4().hex[:6]}"
    notes = [await deliver(app, person, f"n{i}") for i in range(3)]
    await deliver(app, "someone-else")
    await in_network(app, person)
    me = token(person)
    assert (await client.get("/v1/inbox/unread-count", headers=me)).json() == {"unread": 3}
    archived = await client.post(f"/v1/inbox/{notes[0].id}/archive", headers=me)
    assert archived.json()["archived_at"] is not None and archived.json()["read_at"] is not None
    assert (await client.get("/v1/inbox/unread-count", headers=me)).json() == {"unread": 2}
    assert [n["title"] for n in (await client.get("/v1/inbox?archived=true", headers=me)).json()["items"]] == ["n0"]
    assert (await client.post("/v1/inbox/read-all", headers=me)).json() == {"marked": 2}
    assert (await client.get("/v1/inbox/unread-count", headers=me)).json() == {"unread": 0}
    assert (await client.post(f"/v1/inbox/{notes[1].id}/archive", headers=token("thief"))).status_code == 404
