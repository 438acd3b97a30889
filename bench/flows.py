"""End-to-end latency of the cross-service flows that end in notifications, besides the admission (that one
is bench/admission_latency.py): a meeting scheduled in events until its message is committed in
notifications' database, and a benchmark cycle's reminder until its message is. Not a test: it prints
figures to compare.

    uv run python bench/flows.py                       # 100/s for 10 s each, after 500 of each to warm up
    uv run python bench/flows.py --rate 200 --seconds 20

It starts its own Kafka and PostgreSQL (empty) and events, benchmark and notifications as separate processes,
as `make run` does, and fills their read models with COPY: a network admin in events' and benchmark's access
read models; in benchmark, one open cycle per reminder to be sent, each with one invited member organisation;
in notifications, each such organisation's org admin and 10 people of the network. Then, one flow after the
other, at a steady rate (open loop, a lean keep-alive client):

- meeting -> notification: `POST /v1/meetings` (a network meeting, a title of its own) -> MeetingScheduled ->
  notifications' message "Netwerkbijeenkomst: <title>" with an inbox item for each of the 10 people;
- cycle -> reminder: `POST /v1/cycles/{id}/reminders` -> SubmissionReminded -> notifications' message to
  that organisation's org admin, with its inbox item.

Start = just before the request is sent; end = the commit timestamp of the message's transaction in
notifications' database (track_commit_timestamp, the same machine clock). Baseline, in the same run: the
request's own HTTP round trip (send -> answer).
"""

import argparse
import asyncio
import gc
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import uvloop
from admission_latency import enable_commit_timestamps, percentile, report
from flow import machine_speed, mail_sink_process
from fresh import fresh_infra
from lean_http import LeanHttp
from npd_devstack.platform import Platform
from results import figure, record

BASE_PORT = 8401
SERVICES = ("events", "benchmark", "notifications")
ADMIN = "bench-admin"
PEOPLE = 10  # who a network meeting is news for
NOW = datetime.now(UTC)
GOAL_P99_MS = 50.0


@dataclass
class Flow:
    name: str
    service: str
    requests: list[tuple[str, bytes]]  # (path, JSON body) of each request, in order
    expected: int  # the status each answers
    key: Callable[[int], str]  # request i -> what finds its message in notifications' database
    find: str  # SQL: (key, commit epoch) of the messages whose keys are in $1
    token: str = ""


async def seed(platform: Platform, reminders: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """The read models the requests need; returns (cycle id, organisation id) of each reminder to send."""
    org = uuid.uuid4()
    for service in ("events", "benchmark"):
        conn = await asyncpg.connect(platform.infra.postgres.dsn(service))
        try:
            await conn.execute("INSERT INTO access_people VALUES ($1, $2, NULL, now())", ADMIN, org)
            await conn.execute("INSERT INTO access_roles VALUES ($1, 'network_admin', NULL, true, now())", ADMIN)
        finally:
            await conn.close()
    pairs = [(uuid.uuid4(), uuid.uuid4()) for _ in range(reminders)]
    conn = await asyncpg.connect(platform.infra.postgres.dsn("benchmark"))
    try:
        await conn.copy_records_to_table(
            "peers",
            records=[(o, f"Gemeente {i}", "municipality", "member", NOW) for i, (_, o) in enumerate(pairs)],
            columns=["id", "name", "kind", "status", "changed_at"],
        )
        # One cycle per reminder (years are unique): a reminder of a cycle tells each organisation not yet
        # submitted, here one, as a cycle late in its round has few left.
        await conn.copy_records_to_table(
            "cycles",
            records=[
                (c, 2000 + i, "bench", NOW + timedelta(days=30), "open", 5, NOW) for i, (c, _) in enumerate(pairs)
            ],
            columns=["id", "year", "catalogue_version", "deadline", "status", "k", "opened_at"],
        )
        await conn.copy_records_to_table(
            "submissions",
            records=[(uuid.uuid5(c, str(o)), c, o, "invited", NOW) for c, o in pairs],
            columns=["id", "cycle_id", "organisation_id", "status", "invited_at"],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    conn = await asyncpg.connect(platform.infra.postgres.dsn("notifications"))
    try:
        admins = [(f"org-admin-{i}", o) for i, (_, o) in enumerate(pairs)]
        await conn.copy_records_to_table(
            "access_people",
            records=[(p, o, None, NOW) for p, o in admins],
            columns=["person_id", "organisation_id", "gone_at", "changed_at"],
        )
        await conn.copy_records_to_table(
            "access_roles",
            records=[(p, "org_admin", o, True, NOW) for p, o in admins],
            columns=["person_id", "role", "organisation_id", "held", "changed_at"],
        )
        await conn.copy_records_to_table(
            "recipient_organisations",
            records=[(o, f"Gemeente {i}", True, NOW) for i, (_, o) in enumerate(pairs)],
            columns=["organisation_id", "name", "member", "changed_at"],
        )
        await conn.copy_records_to_table(
            "recipients",
            records=[(f"person-{i}", org, f"Persoon {i}", "nl", None, True, NOW) for i in range(PEOPLE)],
            columns=["person_id", "organisation_id", "name", "language", "email", "active", "changed_at"],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return pairs


def meeting_flow(n: int) -> Flow:
    run = uuid.uuid4().hex[:8]
    start = (NOW + timedelta(days=20)).replace(microsecond=0)

    def body(i: int) -> bytes:
        return json.dumps({
            "title": f"Bijeenkomst {run}-{i}",
            "format": "network_meeting",
            "audience": "network",
            "online": True,
            "starts_at": (start + timedelta(minutes=i)).isoformat(),
            "ends_at": (start + timedelta(minutes=i, hours=1)).isoformat(),
        }).encode()  # fmt: skip

    return Flow(
        name="meeting -> notification",
        service="events",
        requests=[("/v1/meetings", body(i)) for i in range(n)],
        expected=201,
        key=lambda i: f"Netwerkbijeenkomst: Bijeenkomst {run}-{i}",
        find="SELECT title_nl AS key, extract(epoch FROM pg_xact_commit_timestamp(xmin)) AS t "
        "FROM messages WHERE title_nl = ANY($1::text[])",
    )


def reminder_flow(pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> Flow:
    return Flow(
        name="cycle -> reminder",
        service="benchmark",
        requests=[(f"/v1/cycles/{c}/reminders", b"") for c, _ in pairs],
        expected=200,
        key=lambda i: str(pairs[i][1]),
        find="SELECT organisation_id::text AS key, extract(epoch FROM pg_xact_commit_timestamp(xmin)) AS t "
        "FROM messages WHERE rule = 'submission_reminded.org_admins' AND organisation_id::text = ANY($1::text[])",
    )


async def send_at_rate(
    client: LeanHttp, flow: Flow, which: range, rate: float
) -> tuple[dict[int, float], list[float], float]:
    """Each request of `which` at a steady rate; returns start times, HTTP round trips and the time taken."""
    headers = {"Authorization": f"Bearer {flow.token}"}
    started: dict[int, float] = {}
    round_trips: list[float] = []
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    async def one(k: int, i: int) -> None:
        await asyncio.sleep(max(0.0, t0 + k / rate - loop.time()))
        path, body = flow.requests[i]
        started[i] = time.time()
        sent = time.perf_counter()
        status = await client.post(path, headers, body)
        round_trips.append(time.perf_counter() - sent)
        if status != flow.expected:
            raise RuntimeError(f"{flow.name}: POST {path} answered {status}")

    await asyncio.gather(*(one(k, i) for k, i in enumerate(which)))
    return started, round_trips, loop.time() - t0


async def committed(dsn: str, flow: Flow, which: range, timeout_s: float = 60) -> dict[int, float]:
    keys = {flow.key(i): i for i in which}
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            rows = await conn.fetch(flow.find, list(keys))
            if len(rows) >= len(keys) or time.monotonic() > deadline:
                return {keys[r["key"]]: float(r["t"]) for r in rows}
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def run_flow(platform: Platform, flow: Flow, warmup: int, rate: float) -> None:
    dsn = platform.infra.postgres.dsn("notifications")
    async with LeanHttp(platform.url(flow.service)) as client:
        print(f"{flow.name}: warming up with {warmup} at {rate:g}/s ...", flush=True)
        await send_at_rate(client, flow, range(warmup), rate)
        await committed(dsn, flow, range(warmup))
        measured = range(warmup, len(flow.requests))
        print(f"{flow.name}: measuring {len(measured)} at {rate:g}/s ...", flush=True)
        gc.collect()
        gc.disable()  # the load generator's collections would show as the services' latency
        try:
            started, round_trips, elapsed = await send_at_rate(client, flow, measured, rate)
        finally:
            gc.enable()
    done = await committed(dsn, flow, measured)
    missing = len(started) - len(done)
    end_to_end = [done[i] - started[i] for i in done]
    e50, e99 = percentile(end_to_end, 50) * 1000, percentile(end_to_end, 99) * 1000
    h50, h99 = percentile(round_trips, 50) * 1000, percentile(round_trips, 99) * 1000
    met = e99 < GOAL_P99_MS and missing == 0
    print()
    print(f"{flow.name}: offered {rate:g}/s, achieved {len(started) / elapsed:.1f}/s; missing: {missing}")
    print(report("baseline: the HTTP round trip", round_trips))
    print(report(f"end to end: {flow.name}", end_to_end))
    print(f"ratio end to end / HTTP round trip: p50 x{e50 / h50:.2f}, p99 x{e99 / h99:.2f}")
    print(f"goal p99 < {GOAL_P99_MS:g} ms at 100/s: {'met' if met else 'NOT met'}")
    print()
    base = f"the {flow.service} call's HTTP round trip"
    name = f"{flow.name} at {rate:g}/s"
    record(
        figure("flows", f"{name}: end to end p50", e50, "ms", baseline=h50, baseline_name=base),
        figure("flows", f"{name}: end to end p99", e99, "ms", baseline=h99, baseline_name=base,
               goal="p99 < 50 ms at 100/s", met=met, missing=missing),
    )  # fmt: skip


async def measure(platform: Platform, rate: float, seconds: float, warmup: int) -> None:
    token = platform.infra.issuer.mint(ADMIN, [])
    n = warmup + int(rate * seconds)
    print(f"seeding read models for {n} reminders ...", flush=True)
    pairs = await seed(platform, n)
    print(f"machine speed: {machine_speed():.1f} M loop iterations/s on one core", flush=True)
    for flow in (meeting_flow(n), reminder_flow(pairs)):
        flow.token = token
        await run_flow(platform, flow, warmup, rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each flow is measured")
    parser.add_argument("--warmup", type=int, default=500, help="requests of each flow before measuring")
    args = parser.parse_args()
    with fresh_infra() as infra:
        infra.start()
        asyncio.run(enable_commit_timestamps(infra))
        infra.postgres.stop()
        infra.postgres.start()
        # The SMTP sink in a process of its own: in this one it would parse mails on the load generator's time.
        with (
            mail_sink_process(),
            Platform(infra, services=SERVICES, base_port=BASE_PORT, log_level="WARNING", start_infra=False) as p,
        ):
            uvloop.run(measure(p, args.rate, args.seconds, args.warmup))


if __name__ == "__main__":
    main()
