"""The benchmark on a real broker, both ways: membership's organisation and person events, read from Kafka,
build its read models (and invite a late joiner, once, however often the event comes); its own cycle events
leave through the outbox relay onto npd.benchmark.cycle, keyed by cycle."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from npd_benchmark.config import BenchmarkSettings
from npd_benchmark.cycles.domain import submission_id
from npd_benchmark.main import create_app
from npd_benchmark.models import peers, submissions
from npd_contracts import Envelope, MemberJoined, OrganisationKind, PersonRoleGranted, Role, decode, encode
from npd_contracts.topics import BENCHMARK_CYCLE, MEMBERSHIP_ORGANISATION, MEMBERSHIP_PERSON
from sqlalchemy import func, select

from .conftest import next_year


@pytest_asyncio.fixture(scope="module")
async def running(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    # The relay on: cycle events go to Kafka.
    app = create_app(BenchmarkSettings(**service_settings("benchmark")))
    async with run_app(app) as client:
        yield app, client


async def send(producer: AIOKafkaProducer, topic: str, data: Any) -> None:
    key, value, headers = encode(Envelope(data=data, source="/npd/membership"))
    await producer.send_and_wait(topic, value=value, key=key, headers=headers)


async def test_membership_events_from_kafka_make_an_admin_and_a_late_joiner_invited_once(
    running: tuple[Any, httpx.AsyncClient],
    kafka: str,
    kafka_producer: AIOKafkaProducer,
    wait_for: Callable[..., Any],
    token: Callable[..., dict[str, str]],
) -> None:
    app, client = running
    admin = f"kafka-admin-{uuid4().hex[:6]}"
    granted = PersonRoleGranted(
        person_id=admin, role=Role.NETWORK_ADMIN, organisation_id=None, granted_at=datetime.now(UTC)
    )
    await send(kafka_producer, MEMBERSHIP_PERSON.name, granted)

    async def admin_known() -> bool:
        return (await client.get("/v1/cycles", headers=token(admin))).status_code == 200

    await wait_for(admin_known)
    body = {"year": next_year(), "catalogue_version": "2026.1", "deadline": "2099-01-01T00:00:00Z"}
    cycle = (await client.post("/v1/cycles", json=body, headers=token(admin))).json()["id"]

    org = uuid4()
    joined = MemberJoined(
        organisation_id=org,
        name="Gemeente Laatkomer",
        kind=OrganisationKind.MUNICIPALITY,
        contact_person_id="someone",
        joined_at=datetime.now(UTC),
    )
    envelope = Envelope(data=joined, source="/npd/membership")
    key, value, headers = encode(envelope)
    for _ in range(2):  # a redelivery of the very same event
        await kafka_producer.send_and_wait(MEMBERSHIP_ORGANISATION.name, value=value, key=key, headers=headers)

    async def invited() -> int:
        async with app.state.sessions() as session:
            known = await session.scalar(select(func.count()).select_from(peers).where(peers.c.id == org))
            subs = await session.scalar(
                select(func.count()).select_from(submissions).where(submissions.c.id == submission_id(UUID(cycle), org))
            )
        return int(known or 0) and int(subs or 0)

    assert await wait_for(invited) == 1

    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(BENCHMARK_CYCLE.name, p) for p in range(BENCHMARK_CYCLE.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen: list[tuple[str, str | None]] = []

        async def read() -> None:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for r in records:
                    if r.key == cycle.encode():
                        event = decode(r.value, r.headers)
                        seen.append((event.type, str(getattr(event.data, "organisation_id", None))))

        async def late_invitation_seen() -> bool:
            await read()
            return ("nl.npd.benchmark.organisation-invited.v1", str(org)) in seen

        await wait_for(late_invitation_seen)
        await read()  # anything that would follow it (a second invitation, from the redelivery)
    finally:
        await consumer.stop()
    assert seen[0][0] == "nl.npd.benchmark.cycle-opened.v1"
    assert seen.count(("nl.npd.benchmark.organisation-invited.v1", str(org))) == 1
