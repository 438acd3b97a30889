"""The relay's partitioning is Kafka's default one: the same partition for a key as aiokafka and Java pick."""

import asyncio
import random
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from npd_runtime.kafka import default_partitioner, murmur2, murmur2_many
from npd_runtime.metrics import ServiceMetrics
from sqlalchemy.ext.asyncio import AsyncEngine

from .test_relay import departures, relay, relay_running, write

TOPIC = "npd.membership.organisation"


def some_keys(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    keys = [rng.randbytes(rng.randrange(0, 80)) for _ in range(n)]
    keys += [str(uuid4()).encode() for _ in range(n)]  # what aggregate ids look like
    return [*keys, b"", b"a", b"ab", b"abc", b"\xff" * 7]


def test_murmur2_agrees_with_aiokafkas_for_keys_of_every_length() -> None:
    keys = some_keys(5000, seed=1)
    assert [murmur2(k) for k in keys] == [aiokafka_murmur2(k) for k in keys]


def test_murmur2_many_agrees_with_aiokafkas_whatever_the_mix_of_lengths() -> None:
    for seed in range(20):
        keys = some_keys(random.Random(seed).randrange(1, 600), seed)
        random.Random(seed).shuffle(keys)
        assert murmur2_many(keys) == [aiokafka_murmur2(k) for k in keys]
    uuids = [str(uuid4()).encode() for _ in range(3000)]  # one length only: all in one set of lanes
    assert murmur2_many(uuids) == [aiokafka_murmur2(k) for k in uuids]
    assert murmur2_many([]) == []


@pytest.mark.parametrize("partitions", [1, 3, 12, 50])
def test_the_producers_partitioner_picks_the_partition_aiokafkas_default_picks(partitions: int) -> None:
    all_partitions = list(range(partitions))
    for key in some_keys(2000, seed=partitions):
        expected = DefaultPartitioner()(key, all_partitions, all_partitions)
        assert default_partitioner(key, all_partitions, all_partitions) == expected


async def test_each_event_the_relay_publishes_lands_on_the_partition_kafkas_default_partitioner_picks(
    runtime_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer
) -> None:
    url, engine = runtime_db
    aggregates = [uuid4() for _ in range(60)]
    await write(engine, [envelope for org_id in aggregates for envelope in departures(org_id, 2)])
    wanted = {str(org_id).encode() for org_id in aggregates}
    async with relay_running(relay(url, kafka_producer, ServiceMetrics("t"), batch_size=50)):
        placed = await partitions_of(kafka, wanted, 2 * len(aggregates))
    all_partitions = sorted(await kafka_producer.partitions_for(TOPIC))
    for key, partition in placed:
        assert partition == DefaultPartitioner()(key, all_partitions, all_partitions), key


async def partitions_of(kafka: str, keys: set[bytes], n: int) -> list[tuple[bytes, int]]:
    consumer = AIOKafkaConsumer(
        TOPIC, bootstrap_servers=kafka, group_id=f"placement-{uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    found: list[tuple[bytes, int]] = []
    try:
        async with asyncio.timeout(20):
            while len(found) < n:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += [(r.key, r.partition) for r in records if r.key in keys]
    finally:
        await consumer.stop()
    return found
