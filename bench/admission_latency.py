"""End-to-end latency of the first flow: an admission accepted over HTTP by membership, until the welcome
notification is committed in notifications' database. Not a test: it prints figures to compare.

    make bench                  # 100 admissions/s for 20 s, after 20 s of warm-up
    uv run python bench/admission_latency.py --rate 200 --seconds 30

It starts its own Kafka, PostgreSQL (empty, in a temporary folder) and the two services as separate
processes, exactly as `make run` does. Start = just before the admit request is sent; end = the commit
timestamp of the notification's transaction (PostgreSQL's track_commit_timestamp, same machine clock).
Baseline, measured in the same run: the admit request's own HTTP round trip (send -> 200).
"""

import argparse
import asyncio
import gc
import os
import statistics
import time
from uuid import uuid4

import asyncpg
import httpx
import uvloop
from aiokafka import AIOKafkaConsumer
from flow import WELCOME, CpuMeter, machine_speed, mail_sink_process
from fresh import fresh_infra
from lean_http import LeanHttp
from npd_contracts import MemberJoined
from npd_contracts.topics import MEMBERSHIP_ORGANISATION
from npd_devstack.issuer import DevIssuer
from npd_devstack.platform import Platform
from npd_devstack.stack import Infra
from results import figure, record

BASE_PORT = 8101


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def enable_commit_timestamps(infra: Infra) -> None:
    conn = await asyncpg.connect(infra.postgres.dsn("postgres"))
    try:
        await conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
    finally:
        await conn.close()


async def apply_many(client: httpx.AsyncClient, issuer: DevIssuer, n: int) -> list[str]:
    sem = asyncio.Semaphore(20)

    async def one(i: int) -> str:
        # A contact of their own per organisation, as in life: each admission registers its contact as the
        # organisation's admin (PersonRegistered, PersonRoleGranted twice), which the flow measured includes.
        headers = {"Authorization": f"Bearer {issuer.mint(f'bench-contact-{i}-{uuid4().hex[:6]}', [])}"}
        async with sem:
            body = {
                "name": f"Bench {uuid4().hex[:12]}",
                "kind": "municipality",
                "contact_name": "Anna de Vries",
                "contact_email": "b@example.nl",
            }
            response = await client.post("/v1/organisations", json=body, headers=headers)
            response.raise_for_status()
            return str(response.json()["id"])

    return await asyncio.gather(*(one(i) for i in range(n)))


async def admit_at_rate(
    client: LeanHttp, admin: str, org_ids: list[str], rate: float
) -> tuple[dict[str, float], list[float], float]:
    """Admit each organisation at a steady rate; returns start times, HTTP round trips and elapsed time."""
    headers = {"Authorization": f"Bearer {admin}"}
    started: dict[str, float] = {}
    round_trips: list[float] = []
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    async def admit(i: int, org_id: str) -> None:
        await asyncio.sleep(max(0.0, t0 + i / rate - loop.time()))
        started[org_id] = time.time()
        sent = time.perf_counter()
        status = await client.post(f"/v1/organisations/{org_id}/admit", headers=headers)
        round_trips.append(time.perf_counter() - sent)
        if status != 200:
            raise RuntimeError(f"admitting {org_id} answered {status}")

    await asyncio.gather(*(admit(i, org_id) for i, org_id in enumerate(org_ids)))
    return started, round_trips, loop.time() - t0


async def committed_at(dsn: str, org_ids: list[str], timeout_s: float = 60) -> dict[str, float]:
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            rows = await conn.fetch(
                "SELECT organisation_id::text AS org, extract(epoch FROM pg_xact_commit_timestamp(xmin)) AS t "
                "FROM notifications WHERE organisation_id = ANY($1::uuid[]) AND kind = $2",
                org_ids,
                WELCOME,
            )
            if len(rows) == len(org_ids) or time.monotonic() > deadline:
                return {r["org"]: float(r["t"]) for r in rows}
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def published_at(bootstrap: str, org_ids: list[str]) -> dict[str, float]:
    """When the relay handed each MemberJoined to Kafka (the record's CreateTime, set by the producer)."""
    wanted = set(org_ids)
    consumer = AIOKafkaConsumer(
        MEMBERSHIP_ORGANISATION.name,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: dict[str, float] = {}
    try:
        async with asyncio.timeout(60):
            while len(found) < len(wanted):
                for records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                    for r in records:
                        key = r.key.decode()
                        if key in wanted and dict(r.headers)["ce_type"] == MemberJoined.TYPE.encode():
                            found[key] = r.timestamp / 1000
    finally:
        await consumer.stop()
    return found


def report(label: str, values_s: list[float]) -> str:
    ms = [v * 1000 for v in values_s]
    return (
        f"{label:<34} n={len(ms):>5}  p50={percentile(ms, 50):7.2f} ms  p90={percentile(ms, 90):7.2f} ms  "
        f"p99={percentile(ms, 99):7.2f} ms  max={max(ms):7.2f} ms  mean={statistics.fmean(ms):7.2f} ms"
    )


async def measure(platform: Platform, rate: float, seconds: float, warmup: int) -> None:
    issuer = platform.infra.issuer
    admin = issuer.mint("bench-admin", ["network_admin"])
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=platform.url("membership"), limits=limits, timeout=30) as client:
        total = warmup + int(rate * seconds)
        print(f"preparing {total} applications ...", flush=True)
        org_ids = await apply_many(client, issuer, total)
    async with LeanHttp(platform.url("membership")) as lean:
        await admit_at_rate(lean, admin, org_ids[:warmup], rate)
        await committed_at(platform.infra.postgres.dsn("notifications"), org_ids[:warmup])
        speed_before = machine_speed()
        print(f"measuring: {rate:g} admissions/s for {seconds:g} s ...", flush=True)
        # The load generator's own garbage collections would show up as the services' latency.
        gc.collect()
        gc.disable()
        meter = CpuMeter.of_platform(platform, **{"load generator (this script)": os.getpid()})
        meter.start()
        try:
            started, round_trips, elapsed = await admit_at_rate(lean, admin, org_ids[warmup:], rate)
        finally:
            gc.enable()
        cpu = meter.seconds()
    done = await committed_at(platform.infra.postgres.dsn("notifications"), org_ids[warmup:])
    published = await published_at(platform.infra.bootstrap_servers, list(done))
    missing = len(started) - len(done)
    end_to_end = [done[o] - started[o] for o in done]
    to_kafka = [published[o] - started[o] for o in done]
    from_kafka = [done[o] - published[o] for o in done]
    e2e_p99, http_p99 = percentile(end_to_end, 99), percentile(round_trips, 99)
    print()
    print(f"offered {rate:g}/s, achieved {len(started) / elapsed:.1f}/s over {elapsed:.1f} s; missing: {missing}")
    print(report("baseline: admit HTTP round trip", round_trips))
    print(report("  HTTP -> in Kafka (relay)", to_kafka))
    print(report("  Kafka -> committed (consumer)", from_kafka))
    print(report("end to end: HTTP -> notification", end_to_end))
    print(f"ratio end-to-end / HTTP round trip: p50 x{percentile(end_to_end, 50) / percentile(round_trips, 50):.2f}"
          f", p99 x{e2e_p99 / http_p99:.2f}")  # fmt: skip
    print(f"machine speed: {speed_before:.1f} M loop iterations/s on one core before measuring, "
          f"{machine_speed():.1f} after")  # fmt: skip
    print(f"CPU while measuring ({os.cpu_count()} cores):")
    for name, spent in cpu.items():
        share = spent / elapsed
        print(f"  {name:<30} {share:6.1%} of a core, {share / rate * 1000:5.2f} ms per admission")
    met = e2e_p99 < 0.050 and missing == 0
    print(f"target p99 < 50 ms at 100/s: {'met' if met else 'NOT met'}")
    e2e_p50, http_p50 = percentile(end_to_end, 50), percentile(round_trips, 50)
    base = "the admit call's HTTP round trip"
    flow = f"admission -> welcome at {rate:g}/s"
    record(
        figure("flows", f"{flow}: end to end p50", e2e_p50 * 1000, "ms", baseline=http_p50 * 1000, baseline_name=base),
        figure("flows", f"{flow}: end to end p99", e2e_p99 * 1000, "ms", baseline=http_p99 * 1000,
               baseline_name=base, goal="p99 < 50 ms at 100/s", met=met, missing=missing),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100.0, help="admissions per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    # The broker's JIT compiles for its first ~20 s: measured before that, Kafka costs half as much again.
    parser.add_argument("--warmup", type=int, default=2000, help="admissions before measuring (at --rate)")
    args = parser.parse_args()
    with fresh_infra() as infra:
        infra.start()
        asyncio.run(enable_commit_timestamps(infra))
        infra.postgres.stop()
        infra.postgres.start()
        # The SMTP sink in a process of its own: in this one it would parse mails on the load generator's time.
        with (
            mail_sink_process(),
            Platform(
                infra,
                services=("membership", "notifications"),
                base_port=BASE_PORT,
                log_level="WARNING",
                start_infra=False,
            ) as platform,
        ):
            uvloop.run(measure(platform, args.rate, args.seconds, args.warmup))


if __name__ == "__main__":
    main()
