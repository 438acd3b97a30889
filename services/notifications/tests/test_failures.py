"""Failures, with the real SMTP server and HTTP receiver: the mail server down and up again, a webhook endpoint
failing until it is disabled and re-enabled, a refused address and a forbidden target among good ones."""

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition
from npd_contracts import GroupCreated, GroupKind, JoinPolicy, Role
from npd_contracts.topics import NOTIFICATIONS_DELIVERY
from npd_devstack.smtp_sink import MailSink
from npd_notifications.signing import new_webhook_secret
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

Headers = dict[str, str]


async def announce(kit: Any, token: Callable[..., Headers], org: Any, title: str) -> dict[str, Any]:
    admin, _ = await kit.person(roles=(Role.NETWORK_ADMIN,), email=None)
    body = {"title_nl": title, "body_nl": "Tekst."}
    body |= {"title_en": title, "body_en": "Text."}
    response = await kit.app.state.client.post(
        f"/v1/organisations/{org}/announcements", json=body, headers=token(admin)
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_while_the_mail_server_is_down_nothing_is_lost_and_once_back_each_mail_arrives_once(
    kit: Any, mail_sink: tuple[MailSink, Any], token: Callable[..., Headers], wait_for: Callable[..., Any]
) -> None:
    sink, server = mail_sink
    org, people = await kit.organisation(4)
    title = f"Storing {uuid4().hex[:6]}"
    server.stop()
    try:
        announced = await announce(kit, token, org, title)
        assert announced["mails"] == 4

        async def waiting_for_the_server() -> bool:
            rows = await kit.rows(
                "SELECT status, attempts, last_error FROM deliveries WHERE message_id = :m", m=announced["id"]
            )
            return len(rows) == 4 and all(
                (r["status"], r["attempts"]) == ("pending", 0) and r["last_error"] for r in rows
            )

        await wait_for(waiting_for_the_server)
        await asyncio.sleep(0.3)  # several rounds fail meanwhile
    finally:
        server.start()

    async def all_arrived() -> bool:
        return all(any(title in str(m["Subject"]) for m in sink.to(address)) for _, address in people)

    await wait_for(all_arrived)
    await asyncio.sleep(0.5)  # a second copy would have come by now
    ids = Counter(str(m["Message-ID"]) for _, a in people for m in sink.to(a) if title in str(m["Subject"]))
    assert len(ids) == 4 and set(ids.values()) == {1}
    rows = await kit.rows("SELECT status, attempts FROM deliveries WHERE message_id = :m", m=announced["id"])
    assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 1)] * 4  # the outage cost no attempt


async def test_a_refused_address_fails_alone_and_the_others_are_delivered(
    kit: Any, mail_sink: tuple[MailSink, Any], token: Callable[..., Headers], wait_for: Callable[..., Any]
) -> None:
    sink = mail_sink[0]
    org, people = await kit.organisation(2)
    bouncing, _ = await kit.person(org=org, email=f"bounce-{uuid4().hex[:6]}@example.nl")
    title = f"Bericht {uuid4().hex[:6]}"
    announced = await announce(kit, token, org, title)

    async def finished() -> list[Any]:
        rows = await kit.rows(
            "SELECT recipient, status, last_error FROM deliveries WHERE message_id = :m AND status <> 'pending'",
            m=announced["id"],
        )
        return rows if len(rows) == 3 else []

    outcome = {r["recipient"]: (r["status"], r["last_error"]) for r in await wait_for(finished)}
    assert outcome[bouncing][0] == "failed" and outcome[bouncing][1].startswith("550")
    assert all(outcome[p][0] == "sent" for p, _ in people)
    assert all(len([m for m in sink.to(a) if title in str(m["Subject"])]) == 1 for _, a in people)


def _group() -> GroupCreated:
    return GroupCreated(
        group_id=uuid4(),
        name=f"Groep {uuid4().hex[:6]}",
        kind=GroupKind.WORKING_GROUP,
        topic="Audit",
        joining=JoinPolicy.OPEN,
        created_at=datetime.now(UTC),
    )


async def test_a_failing_endpoint_is_retried_then_disabled_then_re_enabled_by_its_owner_and_redelivered(
    kit: Any, receiver: Any, token: Callable[..., Headers], wait_for: Callable[..., Any], kafka: str
) -> None:
    client = kit.app.state.client
    admin, _ = await kit.person(roles=(Role.NETWORK_ADMIN,), email=None)
    path = f"/failing/{uuid4().hex}"
    receiver.statuses[path] = 500
    created = await client.post(
        "/v1/webhooks", json={"url": receiver.url(path), "event_types": [GroupCreated.TYPE]}, headers=token(admin)
    )
    hook = created.json()
    event = _group()
    await kit.handle(event)

    async def disabled() -> Any:
        body = (await client.get(f"/v1/webhooks/{hook['id']}", headers=token(admin))).json()
        return body if not body["enabled"] else None

    state = await wait_for(disabled)
    assert state["consecutive_failures"] == 3 and state["disabled_at"] is not None
    calls = receiver.to(path)
    assert len(calls) == 3 and len({c.headers["webhook-id"] for c in calls}) == 1  # one delivery, retried
    await asyncio.sleep(0.3)
    assert len(receiver.to(path)) == 3  # nothing is sent while disabled
    [log] = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=token(admin))).json()["items"]
    assert (log["status"], log["attempts"], log["response_status"]) == ("pending", 3, 500)
    assert await wait_for(lambda: _disabled_event(kafka, hook["id"]))

    receiver.statuses[path] = 200
    stranger = token(f"p-{uuid4().hex[:6]}")
    assert (await client.post(f"/v1/webhooks/{hook['id']}/enable", headers=stranger)).status_code in (403, 404)
    assert (await client.post(f"/v1/webhooks/{hook['id']}/enable", headers=token(admin))).json()["enabled"]

    async def delivered() -> Any:
        items = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=token(admin))).json()["items"]
        return items if items[0]["status"] == "sent" else None

    [log] = await wait_for(delivered)
    assert Webhook(hook["secret"]).verify(receiver.to(path)[-1].body, receiver.to(path)[-1].headers)

    again = await client.post(f"/v1/webhooks/{hook['id']}/deliveries/{log['id']}/redeliver", headers=token(admin))
    assert again.status_code == 200 and again.json()["status"] == "pending"
    await wait_for(lambda: _count_at_least(receiver, path, 5))
    assert receiver.to(path)[-1].headers["webhook-id"] == log["id"]


async def _count_at_least(receiver: Any, path: str, n: int) -> bool:
    return len(receiver.to(path)) >= n


async def _disabled_event(kafka: str, subscription_id: str) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        topic = NOTIFICATIONS_DELIVERY.name
        await consumer._client.force_metadata_update()  # type: ignore[attr-defined]
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
        assert partitions, f"{topic} does not exist"
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        batches = await consumer.getmany(timeout_ms=2000)
        return [
            json.loads(r.value)
            for records in batches.values()
            for r in records
            if r.key == subscription_id.encode()
            and dict(r.headers)["ce_type"].endswith(b"webhook-endpoint-disabled.v1")
        ]
    finally:
        await consumer.stop()


async def test_a_forbidden_target_is_refused_at_subscription_and_at_delivery_and_stops_no_one_else(
    kit: Any, receiver: Any, token: Callable[..., Headers], wait_for: Callable[..., Any]
) -> None:
    client = kit.app.state.client
    admin, _ = await kit.person(roles=(Role.NETWORK_ADMIN,), email=None)
    for url in ("http://localhost:9/x", "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/", "ftp://a.nl/"):
        refused = await client.post(
            "/v1/webhooks", json={"url": url, "event_types": [GroupCreated.TYPE]}, headers=token(admin)
        )
        assert refused.status_code == 422, (url, refused.text)
    # A target that was fine when subscribed but resolves to loopback now (as if DNS changed).
    sneaky, good = f"/ssrf/{uuid4().hex}", f"/good/{uuid4().hex}"
    sneaky_id = uuid4()
    async with kit.app.state.sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO webhook_subscriptions (id, url, event_types, secret, enabled, created_by) "
                "VALUES (:id, :url, :types, :secret, true, 'test')"
            ),
            {
                "id": sneaky_id,
                "url": f"http://localhost:{receiver.port}{sneaky}",
                "types": [GroupCreated.TYPE],
                "secret": new_webhook_secret(),
            },
        )
    created = await client.post(
        "/v1/webhooks", json={"url": receiver.url(good), "event_types": [GroupCreated.TYPE]}, headers=token(admin)
    )
    await kit.handle(_group())
    await wait_for(lambda: _count_at_least(receiver, good, 1))

    async def refused() -> list[Any]:
        return await kit.rows(
            "SELECT status, last_error FROM deliveries WHERE recipient = :r AND status = 'failed'", r=str(sneaky_id)
        )

    [row] = await wait_for(refused)
    assert "internal address" in row["last_error"]
    assert receiver.to(sneaky) == []
    await client.delete(f"/v1/webhooks/{created.json()['id']}", headers=token(admin))
