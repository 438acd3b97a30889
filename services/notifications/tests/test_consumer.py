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
            select(func.count())
            .select_from(notifications)
            .where(notifications.c.organisation_id == organisation_id, notifications.c.kind == "member_joined.welcome")
        )
    return int(count or 0)


async def test_on_the_real_broker_a_copy_changes_nothing_and_a_poison_record_is_dead_lettered_with_its_reason(
    app: Any, kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    """The one test of notifications' consumer through Kafka; its handler is tested on a session
    (test_handlers.py) and the consumer's rules in npd_runtime's tests."""
    event = member_joined("contact-dup")
    key = str(event.data.organisation_id).encode()  # one key, one partition: read in this order
    _, _, headers = encode(event)
    await kafka_producer.send_and_wait(TOPIC, value=b"{this is not json", key=key, headers=headers)
    await publish(kafka_producer, event)
    await publish(kafka_producer, event)
    marker = Envelope(
        data=member_joined("contact-marker").data.model_copy(update={"organisation_id": event.data.organisation_id}),
        source="/t",
    )
    await publish(kafka_producer, marker)
    await wait_for(lambda: _at_least(app, event.data.organisation_id, 2))
    async with app.state.sessions() as session:
        recipients = (
            await session.execute(
                select(notifications.c.recipient_person_id).where(
                    notifications.c.organisation_id == event.data.organisation_id,
                    notifications.c.kind == "member_joined.welcome",
                )
            )
        ).scalars()
        assert sorted(recipients) == ["contact-dup", "contact-marker"]
    [letter] = await wait_for(lambda: dead_letters(kafka, key))  # the copy was not dead-lettered, the poison was
    assert dict(letter.headers)["npd_dlq_reason"].decode().startswith("not-json: value is not JSON")
    assert dict(letter.headers)["npd_dlq_original_topic"] == TOPIC.encode()
    assert letter.value == b"{this is not json"

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        text = (await client.get("/metrics")).text
    dead = next(x for x in text.splitlines() if x.startswith("npd_notifications_dead_letters_total{"))
    assert float(dead.split()[-1]) >= 1
    lag = [x for x in text.splitlines() if x.startswith("npd_notifications_consumer_lag_events{")]
    assert any(f'topic="{TOPIC}"' in x for x in lag)  # the person topic's partitions are there too


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
