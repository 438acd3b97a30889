"""The notifications consumer on a real broker: duplicates change nothing, bad messages are dead-lettered."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from npd_contracts import Envelope, MemberJoined, OrganisationKind, encode
from npd_contracts.topics import MEMBERSHIP_ORGANISATION
from npd_notifications.config import NotificationsSettings
from npd_notifications.main import create_app
from npd_notifications.models import notifications
from sqlalchemy import func, select

TOPIC = MEMBERSHIP_ORGANISATION.name


@pytest_asyncio.fixture(scope="module")
async def app(service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]) -> AsyncIterator[Any]:
    app = create_app(NotificationsSettings(**service_settings("notifications")))
    async with run_app(app):
        yield app


def member_joined(contact: str) -> Envelope:
    data = MemberJoined(
        organisation_id=uuid4(),
        name="Gemeente Testdorp",
        kind=OrganisationKind.MUNICIPALITY,
        contact_person_id=contact,
        joined_at=datetime.now(UTC),
    )
    return Envelope(data=data, source="/tests")


async def publish(producer: AIOKafkaProducer, envelope: Envelope) -> None:
    key, value, headers = encode(envelope)
    await producer.send_and_wait(TOPIC, value=value, key=key, headers=headers)


async def welcomes_for(app: Any, organisation_id: UUID) -> int:
    async with app.state.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(notifications).where(notifications.c.organisation_id == organisation_id)
        )
    return int(count or 0)


async def test_a_second_delivery_of_the_same_event_changes_nothing(
    app: Any, kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    event = member_joined("contact-dup")
    await publish(kafka_producer, event)
    await publish(kafka_producer, event)
    marker = member_joined("contact-marker")  # handled after both copies: the partition is read in order
    marker = Envelope(data=marker.data.model_copy(update={"organisation_id": event.data.organisation_id}), source="/t")
    await publish(kafka_producer, marker)
    await wait_for(lambda: _at_least(app, event.data.organisation_id, 2))
    async with app.state.sessions() as session:
        recipients = (
            await session.execute(
                select(notifications.c.recipient_person_id).where(
                    notifications.c.organisation_id == event.data.organisation_id
                )
            )
        ).scalars()
        assert sorted(recipients) == ["contact-dup", "contact-marker"]
    # The copy was recognised as already handled, not refused by the database and dead-lettered.
    assert await dead_letters(kafka, str(event.data.organisation_id).encode()) == []


async def _at_least(app: Any, organisation_id: UUID, n: int) -> bool:
    return await welcomes_for(app, organisation_id) >= n


async def dead_letters(kafka: str, key: bytes) -> list[Any]:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        dlq = f"{TOPIC}.dlq"
        partitions = [TopicPartition(dlq, p) for p in consumer.partitions_for_topic(dlq) or set()]
        if not partitions:
            await consumer._client.force_metadata_update()  # type: ignore[attr-defined]
            partitions = [TopicPartition(dlq, p) for p in consumer.partitions_for_topic(dlq) or set()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        batches = await consumer.getmany(timeout_ms=2000)
        return [r for records in batches.values() for r in records if r.key == key]
    finally:
        await consumer.stop()


async def test_a_malformed_message_is_dead_lettered_with_its_reason_and_the_consumer_goes_on(
    app: Any, kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    good = member_joined("contact-after-poison")
    poison_key = str(good.data.organisation_id).encode()  # same key, same partition: it sits right before `good`
    _, _, headers = encode(good)
    await kafka_producer.send_and_wait(TOPIC, value=b"{this is not json", key=poison_key, headers=headers)
    await publish(kafka_producer, good)

    await wait_for(lambda: welcomes_for(app, good.data.organisation_id))
    letters = await wait_for(lambda: dead_letters(kafka, poison_key))
    assert len(letters) == 1
    reason = dict(letters[0].headers)["npd_dlq_reason"].decode()
    assert reason.startswith("malformed: value is not JSON")
    assert dict(letters[0].headers)["npd_dlq_original_topic"] == TOPIC.encode()
    assert letters[0].value == b"{this is not json"


async def test_an_event_of_an_unknown_type_is_dead_lettered(
    app: Any, kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    envelope = member_joined("nobody")
    key, value, headers = encode(envelope)
    headers = [(k, b"nl.npd.unknown.v9" if k == "ce_type" else v) for k, v in headers]
    await kafka_producer.send_and_wait(TOPIC, value=value, key=key, headers=headers)
    letters = await wait_for(lambda: dead_letters(kafka, key))
    assert "unknown event type 'nl.npd.unknown.v9'" in dict(letters[0].headers)["npd_dlq_reason"].decode()


async def test_dead_letters_and_consumer_lag_are_in_the_metrics(app: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        text = (await client.get("/metrics")).text
    dead = next(x for x in text.splitlines() if x.startswith("npd_notifications_dead_letters_total{"))
    assert f'topic="{TOPIC}"' in dead
    assert float(dead.split()[-1]) >= 1
    lag = [x for x in text.splitlines() if x.startswith("npd_notifications_consumer_lag_events{")]
    assert lag and all(f'topic="{TOPIC}"' in x for x in lag)
