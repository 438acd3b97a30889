"""The recipients read model is rebuilt by replaying the topics from the start (npd_notifications.rebuild),
and the replay notifies nobody twice."""

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from npd_contracts import Envelope, PersonContactChanged, PersonRegistered, PersonRoleGranted, Role, encode
from npd_devstack.platform import migrate
from npd_notifications.config import NotificationsSettings
from npd_notifications.main import create_app
from npd_notifications.rebuild import GroupStillActive, rebuild
from sqlalchemy import text


async def test_a_rebuild_refuses_while_the_service_runs_then_replays_into_an_empty_read_model_without_repeats(
    service_settings: Callable[..., dict[str, Any]],
    run_app: Callable[..., Any],
    kafka_producer: AIOKafkaProducer,
    wait_for: Callable[..., Any],
    postgres_cluster: Any,
) -> None:
    # A database of its own: the replay goes through the whole session's history, and what it notifies
    # (thousands of test people, mail left pending) must not queue before later tests' mail.
    database_url = postgres_cluster.create_database(f"notifications_rebuild_{uuid4().hex[:8]}")
    migrate("notifications", dict(os.environ) | {"NOTIFICATIONS_DATABASE_URL": database_url})
    overrides = {"sender_enabled": False, "database_url": database_url}
    settings = NotificationsSettings(**service_settings("notifications") | overrides)
    pid, now = f"p-{uuid4().hex[:10]}", datetime.now(UTC)
    events = [
        PersonRegistered(person_id=pid, organisation_id=None, name="Replay", language="en", registered_at=now),
        PersonRoleGranted(person_id=pid, role=Role.MEMBER, organisation_id=None, granted_at=now),
        PersonContactChanged(person_id=pid, email=f"{pid}@example.nl", changed_at=now),
    ]

    async def state(app: Any) -> dict[str, Any]:
        async with app.state.sessions() as session:
            row = (
                await session.execute(
                    text(
                        "SELECT (SELECT email FROM recipients WHERE person_id = :p) AS email, "
                        "(SELECT count(*) FROM access_roles WHERE person_id = :p) AS roles, "
                        # The welcome: a replay may also bring the news of other tests' events (meetings
                        # for everyone) to this person, who is known by then; those are not repeats.
                        "(SELECT count(*) FROM notifications WHERE recipient_person_id = :p "
                        " AND kind = 'person_registered.welcome') AS inbox, "
                        "(SELECT count(*) FROM deliveries d JOIN messages m ON m.id = d.message_id "
                        " WHERE d.recipient = :p AND m.rule = 'person_registered.welcome') AS mails"
                    ),
                    {"p": pid},
                )
            ).one()
        return dict(row._mapping)

    app = create_app(settings)
    async with run_app(app):
        for event in events:
            key, value, headers = encode(Envelope(data=event, source="/tests"))
            await kafka_producer.send_and_wait(event.TOPIC.name, value=value, key=key, headers=headers)
        before = await wait_for(lambda: _known(state, app))
        assert before == {"email": f"{pid}@example.nl", "roles": 1, "inbox": 1, "mails": 1}  # the welcome
        with pytest.raises(GroupStillActive):
            await rebuild(settings)

    done = await rebuild(settings)
    assert done["partitions"] > 0
    emptied = await state(app)
    assert (emptied["email"], emptied["roles"]) == (None, 0)

    app = create_app(settings)
    async with run_app(app):
        after = await wait_for(lambda: _known(state, app), timeout_s=120)
    assert after == before  # the same address and roles again, and the welcome still once


async def _known(state: Callable[[Any], Any], app: Any) -> dict[str, Any] | None:
    current: dict[str, Any] = await state(app)
    return current if current["email"] and current["roles"] else None
