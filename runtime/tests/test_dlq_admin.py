"""npd-dlq on the real broker: list what a consumer gave up on, replay it to the original topic."""

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from npd_contracts import Envelope, MemberLeft, decode, encode
from npd_contracts.membership import LeaveReason
from npd_runtime.deadletter import send_to_dead_letter
from npd_runtime.dlq_admin import read_dead_letters, replay
from npd_runtime.settings import KafkaSettings

TOPIC = "npd.benchmark.submission"  # a topic no service consumes yet: nothing else reacts to the replay


async def replayed_records(kafka: str, key: bytes) -> list[object]:
    reader = AIOKafkaConsumer(
        TOPIC, bootstrap_servers=kafka, group_id=f"t-{uuid4()}", auto_offset_reset="earliest", enable_auto_commit=False
    )
    await reader.start()
    found: list[object] = []
    try:
        async with asyncio.timeout(20):
            while not found:
                for records in (await reader.getmany(timeout_ms=500)).values():
                    found += [r for r in records if r.key == key]
    finally:
        await reader.stop()
    return found


async def test_a_dead_letter_is_listed_with_its_reason_and_replayed_as_it_was(
    kafka: str, kafka_producer: AIOKafkaProducer
) -> None:
    envelope = Envelope(
        data=MemberLeft(organisation_id=uuid4(), reason=LeaveReason.REMOVED, left_at=datetime.now(UTC)), source="/t"
    )
    key, value, headers = encode(envelope)
    consumer = f"consumer-{uuid4().hex[:6]}"
    record = SimpleNamespace(topic=TOPIC, partition=0, offset=41, key=key, value=value, headers=headers)
    await send_to_dead_letter(kafka_producer, record, consumer=consumer, reason="failed: 5 attempts, last: boom")

    settings = KafkaSettings(kafka_bootstrap_servers=kafka)
    letters = await read_dead_letters(settings, TOPIC, consumer)
    assert [(d.event_id, d.header("npd_dlq_reason")) for d in letters] == [
        (envelope.id, "failed: 5 attempts, last: boom")
    ]

    assert await replay(settings, TOPIC, letters) == 1
    [again] = await replayed_records(kafka, key)
    replayed_headers = list(again.headers)  # type: ignore[attr-defined]
    assert decode(again.value, replayed_headers) == envelope  # type: ignore[attr-defined]
    assert not [k for k, _ in replayed_headers if k.startswith("npd_dlq_")]
    assert dict(replayed_headers)["npd_replayed_from"].startswith(b"npd.benchmark.submission.dlq/")


async def test_only_the_named_consumers_dead_letters_are_listed(kafka: str, kafka_producer: AIOKafkaProducer) -> None:
    record = SimpleNamespace(topic=TOPIC, partition=0, offset=1, key=b"k", value=b"{}", headers=[])
    await send_to_dead_letter(kafka_producer, record, consumer="someone-else", reason="x")
    assert await read_dead_letters(KafkaSettings(kafka_bootstrap_servers=kafka), TOPIC, f"nobody-{uuid4()}") == []
