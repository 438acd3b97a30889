"""Dead letters: an event a consumer cannot handle goes to `<topic>.dlq`, untouched, with the reason.

The original value, key and headers are kept so an operator can replay it after a fix; headers
prefixed `npd_dlq_` say what failed, where it came from and which consumer gave up.
"""

from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from npd_contracts.topics import dead_letter_topic

REASON_HEADER = "npd_dlq_reason"
_MAX_REASON = 2000


def dead_letter_headers(record: Any, *, consumer: str, reason: str) -> list[tuple[str, bytes]]:
    kept = [(k, v) for k, v in (record.headers or ()) if not k.startswith("npd_dlq_")]
    return [
        *kept,
        (REASON_HEADER, reason[:_MAX_REASON].encode()),
        ("npd_dlq_consumer", consumer.encode()),
        ("npd_dlq_original_topic", record.topic.encode()),
        ("npd_dlq_original_partition", str(record.partition).encode()),
        ("npd_dlq_original_offset", str(record.offset).encode()),
        ("npd_dlq_failed_at", datetime.now(UTC).isoformat().encode()),
    ]


async def send_to_dead_letter(producer: AIOKafkaProducer, record: Any, *, consumer: str, reason: str) -> None:
    """Publish and wait for the broker's acknowledgement: only then may the consumer move past it."""
    await producer.send_and_wait(
        dead_letter_topic(record.topic),
        value=record.value,
        key=record.key,
        headers=dead_letter_headers(record, consumer=consumer, reason=reason),
    )
