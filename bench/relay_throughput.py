"""Outbox relay throughput against what a plain producer achieves with the same records in the same run.

    make bench-relay
    uv run --frozen python bench/relay_throughput.py [--events 50000] [--rounds 2]

Starts its own Kafka and PostgreSQL (empty, in a temporary folder). Each round writes `--events` outbox
rows (5 events per aggregate, interleaved, as a busy service writes them), then times:
  * the relay draining them to Kafka: from its start until the last row is deleted after its ack;
  * baseline: a plain aiokafka producer (acks=all, idempotent, otherwise aiokafka's defaults) sending the
    same records (key, value, CloudEvents headers) with send() and waiting for every ack;
  * the same plain producer with the relay's producer settings (create_producer), to tell the relay's own
    cost from the producer settings' gain.
Prints events/s and this process's CPU time per event for each round, and the relay's best round against
each baseline's best. The relay's time includes connecting and taking its lock (a few milliseconds).
"""

import argparse
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import uvloop
from aiokafka import AIOKafkaProducer
from fresh import fresh_infra
from npd_contracts import Envelope, MemberLeft
from npd_contracts.envelope import Headers, encode_headers
from npd_contracts.membership import LeaveReason
from npd_contracts.topics import topic_specs
from npd_runtime.kafka import create_producer
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.outbox import notify_trigger_ddl, outbox_table
from npd_runtime.relay import OutboxRelay
from npd_runtime.settings import KafkaSettings
from results import figure, record
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

EVENTS_PER_AGGREGATE = 5
COLUMNS = ("event_id", "topic", "key", "type", "source", "subject", "time", "data", "traceparent")
Row = tuple[str, str, str, str, str, str, datetime, str, str | None]


def outbox_rows(n: int) -> list[Row]:
    aggregates = [uuid4() for _ in range(max(1, n // EVENTS_PER_AGGREGATE))]
    rows: list[Row] = []
    for i in range(n):
        data = MemberLeft(
            organisation_id=aggregates[i % len(aggregates)], reason=LeaveReason.WITHDREW, left_at=datetime.now(UTC)
        )
        e = Envelope(data=data, source="/membership")
        traceparent = f"00-{uuid4().hex}-{uuid4().hex[:16]}-01"
        rows.append(
            (e.id, e.topic, e.subject, e.type, e.source, e.subject, e.time, e.data.model_dump_json(), traceparent)
        )
    return rows


def records(rows: list[Row]) -> list[tuple[str, bytes, bytes, Headers]]:
    out = []
    for event_id, topic, key, type_, source, subject, at, data, traceparent in rows:
        headers = encode_headers(
            id=event_id, source=source, type=type_, time=at, subject=subject, traceparent=traceparent
        )
        out.append((topic, key.encode(), data.encode(), headers))
    return out


async def prepare(url: str) -> None:
    engine = create_async_engine(url)
    metadata = MetaData()
    outbox_table(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for statement in notify_trigger_ddl():
            await conn.exec_driver_sql(statement)
    await engine.dispose()


async def fill(dsn: str, rows: list[Row]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("outbox", records=rows, columns=COLUMNS)
        await conn.execute("VACUUM ANALYZE outbox")
    finally:
        await conn.close()


Timing = tuple[float, float]  # wall and CPU seconds of this process


async def plain(producer: AIOKafkaProducer, batch: list[tuple[str, bytes, bytes, Headers]]) -> Timing:
    started, cpu = time.perf_counter(), time.process_time()
    pending = [await producer.send(topic, value, key=key, headers=headers) for topic, key, value, headers in batch]
    await asyncio.gather(*pending)
    return time.perf_counter() - started, time.process_time() - cpu


def published(metrics: ServiceMetrics) -> float:
    return sum(s.value for m in metrics.events_published.collect() for s in m.samples if s.name.endswith("_total"))


async def relay(url: str, producer: AIOKafkaProducer, n: int) -> Timing:
    metrics = ServiceMetrics("bench")
    relay = OutboxRelay(service="relay-bench", database_url=url, producer=producer, metrics=metrics)
    started, cpu = time.perf_counter(), time.process_time()
    task = asyncio.create_task(relay.run())
    try:
        while published(metrics) < n:
            if task.done():
                task.result()
            await asyncio.sleep(0.005)
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def started(producer: AIOKafkaProducer, warm: list[tuple[str, bytes, bytes, Headers]]) -> AIOKafkaProducer:
    await producer.start()
    await plain(producer, warm)  # metadata fetched, connections open, producer id assigned
    return producer


async def measure(bootstrap: str, url: str, dsn: str, n: int, rounds: int) -> None:
    await prepare(url)
    warm = records(outbox_rows(200))
    default = await started(AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True), warm)
    tuned = await started(create_producer(KafkaSettings(kafka_bootstrap_servers=bootstrap), "relay-bench"), warm)
    runs: list[tuple[str, Callable[[list[Row]], Awaitable[Timing]]]] = [
        ("plain producer, aiokafka defaults", lambda rows: plain(default, records(rows))),
        ("plain producer, relay settings", lambda rows: plain(tuned, records(rows))),
        ("relay", lambda rows: _relay_round(url, dsn, tuned, rows)),
    ]
    timings: dict[str, list[Timing]] = {label: [] for label, _ in runs}
    try:
        for _ in range(rounds):
            for label, run in runs:
                rows = outbox_rows(n)
                timings[label].append(await run(rows))
    finally:
        await default.stop()
        await tuned.stop()
    print(f"{n:,} events per round; per round: events/s (this process's CPU per event)")
    for label, values in timings.items():
        print(f"{label:<34} " + "  ".join(f"{n / wall:>8,.0f}/s ({cpu / n * 1e6:4.1f} us)" for wall, cpu in values))
    best = {label: max(n / wall for wall, _ in values) for label, values in timings.items()}
    for baseline in ("plain producer, aiokafka defaults", "plain producer, relay settings"):
        print(f"relay / {baseline:<34} {best['relay'] / best[baseline]:.0%} (best round of each)")
    ratio = best["relay"] / best["plain producer, relay settings"]
    print(f"goal: relay at least 80 % of the plain producer with its settings: {'met' if ratio >= 0.8 else 'NOT met'}")
    record(
        figure("relay_throughput", f"outbox relay to Kafka ({n:,} events, best of {rounds})", best["relay"],
               "events/s", baseline=best["plain producer, relay settings"],
               baseline_name="plain aiokafka producer, relay settings", goal=">= 80 % of the plain producer",
               met=ratio >= 0.8, aiokafka_defaults=round(best["plain producer, aiokafka defaults"])),
    )  # fmt: skip


async def _relay_round(url: str, dsn: str, producer: AIOKafkaProducer, rows: list[Row]) -> Timing:
    await fill(dsn, rows)
    return await relay(url, producer, len(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    logging.getLogger("aiokafka").setLevel(logging.ERROR)  # leaders of just-created topics: retried, not news
    with fresh_infra() as infra:
        infra.start()
        asyncio.run(infra.ensure_topics(topic_specs()))
        url = infra.postgres.create_database("relay_bench")
        uvloop.run(measure(infra.bootstrap_servers, url, infra.postgres.dsn("relay_bench"), args.events, args.rounds))


if __name__ == "__main__":
    main()
