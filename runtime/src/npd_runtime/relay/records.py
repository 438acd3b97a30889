"""Outbox rows into Kafka record batches, one per partition, as the producer's own send() would place them."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from npd_contracts.envelope import encode_headers

from npd_runtime.kafka import murmur2_many

# The columns the relay reads, in this order (the last is the age of the row when read).
COLUMNS = "position, event_id, topic, key, type, source, subject, time, data, traceparent"


@dataclass
class Batch:
    """Rows handed to the producer: published once every ack in `acks` arrived."""

    positions: list[int]
    oldest_age_s: float  # of its first row, when read
    read_at: float  # monotonic
    acks: list[asyncio.Future[Any]] = field(default_factory=list)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # per (topic, type)

    def acknowledged(self) -> bool:
        return all(ack.done() for ack in self.acks)

    async def wait(self) -> None:
        """Until Kafka acknowledged every record (acks=all); raises what the producer raised."""
        for ack in self.acks:
            await ack

    def abandon(self) -> None:
        # The acks are shields: cancelling them leaves the records to the producer and stops warnings.
        for ack in self.acks:
            ack.cancel()


async def send(producer: AIOKafkaProducer, rows: list[asyncpg.Record], batch: Batch) -> None:
    """Hand rows to the producer as one record batch per partition (no per-record send() calls)."""
    counts = batch.counts
    keys = [row[3].encode() for row in rows]
    hashes = murmur2_many(keys)
    partitions: dict[str, list[int]] = {}
    builders: dict[tuple[str, int], Any] = {}
    for row, key, hash_ in zip(rows, keys, hashes, strict=True):
        _, event_id, topic, _, type_, source, subject, at, data, traceparent, _ = row
        ids = partitions.get(topic)
        if ids is None:
            ids = partitions[topic] = sorted(await producer.partitions_for(topic))
        # Kafka's default partitioner, as producer.send() would choose: consumers rely on it.
        partition = ids[(hash_ & 0x7FFFFFFF) % len(ids)]
        headers = encode_headers(
            id=event_id, source=source, type=type_, time=at, subject=subject, traceparent=traceparent
        )
        value = data.encode()
        builder = builders.get((topic, partition))
        if builder is None:
            builder = builders[topic, partition] = producer.create_batch()
        if builder.append(key=key, value=value, timestamp=None, headers=headers) is None:
            # Full: it leaves now, and the partition's next records queue behind it.
            batch.acks.append(await _submit(producer, builder, topic, partition))
            builder = builders[topic, partition] = producer.create_batch()
            builder.append(key=key, value=value, timestamp=None, headers=headers)
        counts[topic, type_] = counts.get((topic, type_), 0) + 1
    for (topic, partition), builder in builders.items():
        batch.acks.append(await _submit(producer, builder, topic, partition))


async def _submit(producer: AIOKafkaProducer, builder: Any, topic: str, partition: int) -> asyncio.Future[Any]:
    builder.close()
    ack: asyncio.Future[Any] = await producer.send_batch(builder, topic, partition=partition)
    return ack
