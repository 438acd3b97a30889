"""Idempotent consumer throughput: notifications' real MemberJoined handler behind npd_runtime's consumer
(decode, batch dedupe, handler, commit, offsets), against plain aiokafka reading the same topic.

    make bench-consumer
    .venv/bin/python bench/consumer_throughput.py --events 50000

Starts its own Kafka and PostgreSQL (empty), migrates notifications' database, puts N MemberJoined
records on the topic, then reads them all twice in this process: once with a bare AIOKafkaConsumer (the
baseline: what reading costs) and once with EventConsumer until every welcome is committed. Both on uvloop,
as the services run.
"""

import argparse
import asyncio
import gc
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import uvloop
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fresh import fresh_infra
from npd_contracts import Envelope, MemberJoined, OrganisationKind, encode
from npd_contracts.topics import MEMBERSHIP_ORGANISATION, topic_specs
from npd_devstack.platform import migrate, service_env
from npd_notifications.config import NotificationsSettings
from npd_notifications.main import spec
from npd_runtime.consumer import EventConsumer
from npd_runtime.db import create_engine, create_sessions
from npd_runtime.messaging import create_kafka_consumer
from npd_runtime.metrics import ServiceMetrics
from results import figure, record
from sqlalchemy import text

TOPIC = MEMBERSHIP_ORGANISATION.name


async def produce(bootstrap: str, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        pending = []
        for i in range(n):
            data = MemberJoined(
                organisation_id=uuid4(),
                name=f"Gemeente {i}",
                kind=OrganisationKind.MUNICIPALITY,
                contact_person_id=f"contact-{i}",
                joined_at=datetime.now(UTC),
            )
            key, value, headers = encode(Envelope(data=data, source="/bench"))
            pending.append(await producer.send(TOPIC, value=value, key=key, headers=headers))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def plain_read(bootstrap: str, n: int) -> tuple[float, float]:
    """Seconds and CPU seconds for a bare consumer group to read all n records."""
    consumer = AIOKafkaConsumer(
        TOPIC, bootstrap_servers=bootstrap, group_id=f"plain-{uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        seen = 0
        while seen < n:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=500)).values():
                seen += len(records)
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        await consumer.stop()


async def idempotent_read(settings: NotificationsSettings, n: int) -> tuple[float, float]:
    """Seconds and CPU seconds for EventConsumer with notifications' handler to commit all n welcomes."""
    engine = create_engine(settings.database_url)
    service = spec(settings)
    consumer = EventConsumer(
        name=f"bench-{uuid4().hex[:8]}",
        handlers=service.consumes,  # as the service runs it: its own handlers and the access read model
        sessions=create_sessions(engine),
        dead_letters=_NoDeadLetters(),
        metrics=ServiceMetrics("bench"),
    )
    kafka = create_kafka_consumer(settings, consumer.name)
    kafka.subscribe(consumer.topics, listener=consumer.rebalance_listener())
    await kafka.start()
    # As the services do after start-up (npd_runtime.app): what lives as long as the process is left out of
    # the collector's full scans.
    gc.collect()
    gc.freeze()
    task = asyncio.create_task(consumer.run(kafka, max_records=settings.consumer_batch_size))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        async with engine.connect() as conn:
            while (await conn.scalar(text("SELECT count(*) FROM notifications"))) < n:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await kafka.stop()
        await engine.dispose()


class _NoDeadLetters:
    async def send_and_wait(self, topic: str, **_: object) -> None:
        raise AssertionError(f"nothing should be dead-lettered (to {topic})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    with fresh_infra() as infra:
        infra.start()
        asyncio.run(infra.ensure_topics(topic_specs()))
        env = service_env(infra, dict(os.environ))
        migrate("notifications", env)
        settings = NotificationsSettings(
            database_url=env["NOTIFICATIONS_DATABASE_URL"],
            kafka_bootstrap_servers=infra.bootstrap_servers,
            oidc_issuer="unused",
            oidc_jwks_url="file:///unused",
        )
        print(f"producing {args.events} MemberJoined records ...", flush=True)
        uvloop.run(produce(infra.bootstrap_servers, args.events))
        plain_s, plain_cpu = uvloop.run(plain_read(infra.bootstrap_servers, args.events))
        ours_s, ours_cpu = uvloop.run(idempotent_read(settings, args.events))
    plain_rate, ours_rate = args.events / plain_s, args.events / ours_s
    per_event = {name: cpu / args.events * 1e6 for name, cpu in (("plain", plain_cpu), ("ours", ours_cpu))}
    print(f"baseline: plain aiokafka reads     {plain_rate:9,.0f} events/s  ({per_event['plain']:6.1f} us CPU each)")
    print(
        f"npd_runtime consumer, real handler {ours_rate:9,.0f} events/s  ({per_event['ours']:6.1f} us CPU each in"
        " this process; PostgreSQL's not counted)"
    )
    print(f"ratio consumer / plain read: {ours_rate / plain_rate:.2f}")
    print(f"goal 10,000 events/s per process: {'met' if ours_rate >= 10_000 else 'NOT met'}")
    record(
        figure("consumer_throughput", f"idempotent consumer, real handler ({args.events:,} events)", ours_rate,
               "events/s", baseline=plain_rate, baseline_name="plain aiokafka read of the same topic",
               goal=">= 10,000 events/s per process", met=ours_rate >= 10_000,
               cpu_us_per_event=round(per_event["ours"], 1)),
    )  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
