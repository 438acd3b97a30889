"""Baseline for the admission benchmark: what the broker alone costs on this machine.

    uv run python bench/kafka_hop.py [--messages 300]

Produces with aiokafka (acks=all, idempotent, as the relay does) to a local single-node broker, one
message every 10 ms, and times each send's acknowledgement and the produce -> consume hop.
"""

import argparse
import asyncio
import time
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fresh import fresh_infra
from npd_contracts.topics import EVENTS_MEETING, topic_specs
from results import figure, record


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


async def measure(bootstrap: str, messages: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=0)
    consumer = AIOKafkaConsumer(
        EVENTS_MEETING.name,
        bootstrap_servers=bootstrap,
        group_id=f"hop-{uuid4()}",
        auto_offset_reset="latest",
        fetch_max_wait_ms=100,
    )
    await producer.start()
    await consumer.start()
    acks: list[float] = []
    hops: list[float] = []

    async def consume() -> None:
        async for received in consumer:
            hops.append(time.time() - float(received.value.decode()))

    reader = asyncio.create_task(consume())
    try:
        await asyncio.sleep(2)  # joined and assigned
        for i in range(messages):
            sent = time.perf_counter()
            await producer.send_and_wait(EVENTS_MEETING.name, str(time.time()).encode(), key=str(i % 12).encode())
            acks.append(time.perf_counter() - sent)
            await asyncio.sleep(0.01)
        await asyncio.sleep(1)
    finally:
        reader.cancel()
        await consumer.stop()
        await producer.stop()
    for label, values in (("produce acknowledged (acks=all)", acks), ("produce -> consume", hops)):
        print(f"{label:<33}n={len(values)}  p50={percentile(values, 50):.2f} ms  p99={percentile(values, 99):.2f} ms")
    record(
        *(figure("kafka_hop", f"the broker alone: {label}, p{p}", percentile(values, p), "ms")
          for label, values in (("produce acknowledged (acks=all)", acks), ("produce -> consume", hops))
          for p in (50, 99)),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    with fresh_infra() as infra:
        infra.start()
        asyncio.run(infra.ensure_topics(topic_specs()))
        asyncio.run(measure(infra.bootstrap_servers, args.messages))


if __name__ == "__main__":
    main()
