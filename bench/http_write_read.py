"""What HTTP costs a write and a read, against bare baselines at the same concurrency. Not a test: it prints
figures to compare.

    uv run python bench/http_write_read.py                          # 8 in flight, 10 s of each
    uv run python bench/http_write_read.py --concurrency 16 --seconds 20 --meetings 20000 --people 200000

Starts its own Kafka and PostgreSQL (empty) and the events service as its own process (as `make run` does),
and fills its database with COPY as bench/registration.py does (people in the access read model, a year of
meetings, their registrations). Then, `--concurrency` requests in flight (closed loop, a lean keep-alive
client), for `--seconds` each, twice in turn:

- write: `POST /v1/meetings/{id}/registrations` (token checked, principal loaded, the meeting locked, the
  registration and its outbox row inserted, the counters updated, committed), against the baseline: the same
  transaction's statements on a pool of as many bare asyncpg connections (bench/registration.py's BASELINE);
- read: `GET /v1/meetings/{id}` against a bare endpoint on the same stack (bench/bare_read_app.py: FastAPI
  under uvicorn reading the same row through asyncpg, no token).

Besides the rates it prints the CPU each request cost in the process that served it (the events service, the
bare app, or for the bare write this process's asyncpg client) and in PostgreSQL: on a host shared with other
work the rates move with the neighbours' load, the CPU per request much less, so changes are judged by both.

Each caller is one of 200 people of the network with a token of their own, each registering for another
meeting every time (a person registers once per meeting). Goals (issue 12): the HTTP write at least 60 % of
the bare transactions' throughput; the HTTP read at least 50 % of the bare endpoint's.
"""

import argparse
import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable

import asyncpg
import uvloop
from flow import CpuMeter, bare_fastapi, machine_speed, postmaster_pid
from fresh import fresh_infra
from lean_http import LeanHttp
from npd_devstack.platform import Platform
from registration import bare, build
from results import figure, record

BASE_PORT = 8451
CALLERS = 200
WRITE_GOAL, READ_GOAL = 0.6, 0.5


async def closed_loop(concurrency: int, seconds: float, one: Callable[[int], Awaitable[None]], first: int) -> int:
    """Call one(k) for k = first, first + 1, ... with `concurrency` calls in flight for `seconds`; how many."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    counter = iter(range(first, 1 << 62))
    done = 0

    async def worker() -> None:
        nonlocal done
        while loop.time() < deadline:
            await one(next(counter))
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def measure(platform: Platform, args: argparse.Namespace) -> None:
    rng = random.Random(11)
    dsn = platform.infra.postgres.dsn("events")
    print(f"building {args.meetings:,} meetings and {args.people:,} people with COPY ...", flush=True)
    meetings = await build(dsn, args.meetings, args.people, 15, rng)
    callers = [f"person-{i}" for i in rng.sample(range(args.people), CALLERS)]
    headers = [{"Authorization": f"Bearer {platform.infra.issuer.mint(p, [])}"} for p in callers]
    n, c, s = len(meetings), args.concurrency, args.seconds
    # Request k: caller k % CALLERS, meeting k // CALLERS (+ an offset): no caller registers twice for one.
    http_offset, bare_offset = 0, n // 2
    statuses: dict[str, dict[int, int]] = {"write": {}, "read": {}}

    async def http_write(k: int) -> None:
        meeting = meetings[(http_offset + k // CALLERS) % n]
        status = await live["events"].post(f"/v1/meetings/{meeting}/registrations", headers[k % CALLERS])
        statuses["write"][status] = statuses["write"].get(status, 0) + 1

    async def bare_write(k: int) -> None:
        async with pool.acquire() as connection:
            await bare(connection, meetings[(bare_offset + k // CALLERS) % n], f"bare-{k % CALLERS}")

    async def http_read(k: int) -> None:
        status, _ = await live["events"].get(f"/v1/meetings/{meetings[rng.randrange(n)]}", headers[k % CALLERS])
        statuses["read"][status] = statuses["read"].get(status, 0) + 1

    async def bare_read(k: int) -> None:
        status, _ = await live["bare"].get(f"/v1/meetings/{meetings[rng.randrange(n)]}", {})
        assert status == 200, status

    rates: dict[str, list[float]] = {"http write": [], "bare write": [], "http read": [], "bare read": []}
    # CPU ms per request in the process that serves it, and in PostgreSQL: less at the mercy of a busy host
    # than the rates (which fall when other work takes the cores), so a change can be judged by it there.
    cpu: dict[str, list[tuple[float, float]]] = {label: [] for label in rates}
    live: dict[str, LeanHttp] = {}  # new connections for each run: uvicorn closes those idle for 5 s
    events_pid = next(s.process.pid for s in platform.running if s.name == "events")
    with bare_fastapi("bare_read_app:app", {"NPD_BENCH_DSN": dsn}) as (bare_url, bare_pid):
        pool = await asyncpg.create_pool(dsn, min_size=c, max_size=c)
        runs: dict[str, Callable[[int], Awaitable[None]]] = {
            "http write": http_write, "bare write": bare_write, "http read": http_read, "bare read": bare_read,
        }  # fmt: skip
        counts = dict.fromkeys(runs, 0)

        # The bare write's asyncpg client is this process (which also runs the load generator, a small part).
        servers = {"http write": events_pid, "bare write": os.getpid(), "http read": events_pid, "bare read": bare_pid}

        async def run(label: str, seconds: float) -> float:
            async with LeanHttp(platform.url("events"), c) as live["events"], LeanHttp(bare_url, c) as live["bare"]:
                meter = CpuMeter({"server": servers[label]}, postmaster_pid(platform))
                meter.start()
                t0 = time.perf_counter()
                done = await closed_loop(c, seconds, runs[label], counts[label])
                elapsed = time.perf_counter() - t0
                used = meter.seconds()
                cpu[label].append((used["server"] * 1000 / done, used["postgresql (its backends)"] * 1000 / done))
                counts[label] += done
                return done / elapsed

        print(f"warming up, then {c} in flight for {s:g} s of each, twice in turn", flush=True)
        for label in runs:
            await run(label, 2.0)
        speed = machine_speed()
        for _ in range(2):
            for label in runs:
                rates[label].append(await run(label, s))
        await pool.close()
    best = {label: max(values) for label, values in rates.items()}
    write, read = best["http write"] / best["bare write"], best["http read"] / best["bare read"]
    print()
    print(f"{c} in flight; per round, requests (or transactions) per second; statuses {statuses}")
    for label, values in rates.items():
        print(f"  {label:<12} " + "  ".join(f"{v:8,.0f}/s" for v in values))
    print(f"write: HTTP / bare asyncpg transaction {write:.0%} (best round of each); goal at least 60 %: "
          f"{'met' if write >= WRITE_GOAL else 'NOT met'}")  # fmt: skip
    print(f"read: HTTP / bare FastAPI+asyncpg endpoint {read:.0%}; goal at least 50 %: "
          f"{'met' if read >= READ_GOAL else 'NOT met'}")  # fmt: skip
    least = {label: (min(v[0] for v in values), min(v[1] for v in values)) for label, values in cpu.items()}
    print("CPU ms per request (least of the rounds): in the serving process / in PostgreSQL")
    for label, (server, database) in least.items():
        print(f"  {label:<12} {server:6.2f} ms / {database:5.2f} ms")
    print(f"machine speed: {speed:.1f} M loop iterations/s on one core")
    record(
        figure("http_write_read", f"HTTP write: POST registration + outbox row, {c} in flight", best["http write"],
               "/s", baseline=best["bare write"], baseline_name="the same statements, one asyncpg transaction each",
               goal=">= 60 % of the bare transactions", met=write >= WRITE_GOAL, statuses=statuses["write"],
               cpu_ms_per_request=least["http write"], baseline_cpu_ms=least["bare write"]),
        figure("http_write_read", f"HTTP read: GET a meeting, {c} in flight", best["http read"], "/s",
               baseline=best["bare read"], baseline_name="bare FastAPI + asyncpg endpoint reading the same row",
               goal=">= 50 % of the bare endpoint", met=read >= READ_GOAL, statuses=statuses["read"],
               cpu_ms_per_request=least["http read"], baseline_cpu_ms=least["bare read"]),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--seconds", type=float, default=10.0, help="each round of each of the four")
    args = parser.parse_args()
    with (
        fresh_infra() as infra,
        Platform(infra, services=("events",), base_port=BASE_PORT, log_level="WARNING") as platform,
    ):
        uvloop.run(measure(platform, args))


if __name__ == "__main__":
    main()
