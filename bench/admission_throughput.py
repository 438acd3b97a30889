"""Saturation throughput of the admission flow: how many admissions per second the platform completes end to
end (admit over HTTP in membership -> outbox relay -> Kafka -> welcome committed by notifications) on this
machine. Not a test: it prints figures to compare.

    make bench-throughput                              # 32 in flight, 20 s measured
    uv run python bench/admission_throughput.py --concurrency 64 --seconds 30

Starts its own Kafka and PostgreSQL (empty) and the two services as separate processes, as `make run`
does. Admissions are offered in a closed loop: `--concurrency` requests in flight, the next one sent as
soon as one is answered, for `--seconds`; the run ends when the last welcome is in notifications' database.
End-to-end rate = admissions / (last welcome written - first admit sent); HTTP rate = admissions / time to
answer them. Baseline in the same run: the same closed loop against a bare one-route FastAPI app.
"""

import argparse
import os
import time

import uvloop
from flow import (
    CpuMeter,
    admit_path,
    as_fast_as_possible,
    bare_fastapi,
    connections_opened,
    create_applications,
    machine_speed,
    mail_sink_process,
    welcomes_committed,
)
from fresh import fresh_infra
from lean_http import LeanHttp
from npd_devstack.platform import Platform
from results import figure, record

GOAL_PER_S = 400.0
MAX_RATE = 1500  # admissions per second the prepared applications allow for


async def measure(platform: Platform, concurrency: int, seconds: float, warmup_s: float) -> None:
    admin = platform.infra.issuer.mint("bench-admin", ["network_admin"])
    headers = {"Authorization": f"Bearer {admin}"}
    total = int(MAX_RATE * (seconds + warmup_s))
    print(f"preparing {total} applications ...", flush=True)
    paths = [admit_path(o) for o in await create_applications(platform, total)]

    async with LeanHttp(platform.url("membership"), connections=concurrency) as client:
        print(f"warming up: {warmup_s:g} s at {concurrency} in flight ...", flush=True)
        warm, _ = await as_fast_as_possible(client, paths, headers, concurrency, warmup_s)
        await welcomes_committed(platform, warm)
    paths = paths[warm:]

    print(f"baseline: a bare FastAPI app, {concurrency} in flight for 5 s ...", flush=True)
    with bare_fastapi() as (url, _):
        async with LeanHttp(url, connections=concurrency) as bare:
            bare_n, bare_elapsed = await as_fast_as_possible(bare, paths, headers, concurrency, 5.0)

    meter = CpuMeter.of_platform(platform, **{"load generator (this script)": os.getpid()})
    # New connections: uvicorn closed the warm-up's, idle for longer than its keep-alive timeout.
    async with LeanHttp(platform.url("membership"), connections=concurrency) as client:
        speed_before = machine_speed()
        print(f"measuring: {seconds:g} s at {concurrency} in flight ...", flush=True)
        opened = await connections_opened(platform, "membership")
        meter.start()
        started = time.time()
        n, http_elapsed = await as_fast_as_possible(client, paths, headers, concurrency, seconds)
        count, last = await welcomes_committed(platform, warm + n)
        cpu = meter.seconds()
        opened = await connections_opened(platform, "membership") - opened - 1  # less our own
    missing = warm + n - count
    end_to_end_s = last - started
    if n == len(paths):
        print(f"WARNING: all {n} prepared applications were admitted: raise MAX_RATE")

    bare_rate, http_rate, e2e_rate = bare_n / bare_elapsed, n / http_elapsed, n / end_to_end_s
    print()
    print(f"baseline: bare FastAPI app             {bare_rate:7.0f} requests/s ({bare_n} in {bare_elapsed:.1f} s)")
    print(f"admit HTTP calls answered by membership {http_rate:7.0f} /s ({n} in {http_elapsed:.1f} s)")
    print(f"admissions end to end (welcome written)  {e2e_rate:7.0f} /s (last after {end_to_end_s:.1f} s); "
          f"missing: {missing}")  # fmt: skip
    print(f"ratio end to end / bare FastAPI: x{e2e_rate / bare_rate:.3f}; "
          f"HTTP / bare FastAPI: x{http_rate / bare_rate:.3f}")  # fmt: skip
    print(f"CPU from the first admit to the last welcome ({os.cpu_count()} cores):")
    for name, spent in cpu.items():
        print(f"  {name:<32} {spent / end_to_end_s:6.1%} of a core  {spent / n * 1000:6.2f} ms per admission")
    print(f"  {'total':<32} {sum(cpu.values()) / end_to_end_s:6.1%} of a core  "
          f"{sum(cpu.values()) / n * 1000:6.2f} ms per admission")  # fmt: skip
    print(f"PostgreSQL connections opened to membership's database meanwhile: {opened}")
    print(f"machine speed: {speed_before:.1f} M loop iterations/s on one core before measuring, "
          f"{machine_speed():.1f} after")  # fmt: skip
    met = e2e_rate >= GOAL_PER_S and missing == 0
    print(f"goal: {GOAL_PER_S:g} admissions/s end to end: {'met' if met else 'NOT met'} ({e2e_rate:.0f}/s)")
    record(
        figure("admission_throughput", "admissions end to end (saturation)", e2e_rate, "/s", baseline=bare_rate,
               baseline_name="bare FastAPI app requests/s", goal=f">= {GOAL_PER_S:g}/s", met=met, missing=missing,
               cpu_ms_per_admission=round(sum(cpu.values()) / n * 1000, 3)),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=32, help="admit requests in flight")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long admissions are offered")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of the same load before measuring")
    args = parser.parse_args()
    with (
        fresh_infra() as infra,
        mail_sink_process(),  # out of this process: its CPU is not the platform's, and not the load generator's
        Platform(infra, services=("membership", "notifications"), base_port=8301, log_level="WARNING") as platform,
    ):
        uvloop.run(measure(platform, args.concurrency, args.seconds, args.warmup))


if __name__ == "__main__":
    main()
