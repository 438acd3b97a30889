"""CPU per admission across every process of the flow: admit over HTTP in membership, MemberJoined through
its outbox relay to Kafka, the welcome written by notifications. Not a test: it prints figures to compare.

    make bench-cpu                                     # 100 admissions/s, 2,000 measured
    uv run python bench/admission_cpu.py --rate 200 --admissions 4000

Starts its own Kafka and PostgreSQL (empty) and the two services as separate processes, as `make run`
does; warms up until the broker's JIT compiler has settled (at least --warmup admissions; its compiler
threads are still busy for 60-100 s at 100/s, a start-up cost no long-running broker pays), then admits
at a steady rate and counts the CPU time (utime + stime) of membership, notifications, the Kafka broker,
this PostgreSQL cluster's backends (reaped ones included) and the load generator, from the first
admission until the last welcome is committed. The SMTP sink the mails go to runs as a process of its own;
its CPU is shown apart and left out of the total: it stands for the mail server, not for our work.
Baseline in the same run: a bare one-route FastAPI app under uvicorn answering the same number of requests
at the same rate from the same client (its CPU plus the load generator's). The platform's idle CPU is
measured meanwhile.
"""

import argparse
import asyncio
import os

import uvloop
from flow import (
    MAIL_SINK,
    CpuMeter,
    admit_path,
    at_rate,
    bare_fastapi,
    consumer_batches,
    create_applications,
    jit_compiler_seconds,
    machine_speed,
    mail_sink_process,
    welcomes_committed,
)
from fresh import fresh_infra
from lean_http import LeanHttp
from npd_devstack.platform import Platform
from results import figure, record

GOAL_MS = 5.0
LOAD = "load generator (this script)"
# The broker's JIT keeps compiling for 60-100 s at 100/s (measured per thread: its compiler threads used a
# fifth of a core at 20-45 s, under 2 % from ~90 s on), and that start-up cost is no part of a steady state.
WARM_CHUNK_S = 5.0
JIT_SETTLED = 0.02  # of a core, over each of SETTLED_CHUNKS chunks in a row
SETTLED_CHUNKS = 3
WARM_MAX_S = 180.0


def show(title: str, seconds: dict[str, float], n: int, elapsed: float, per: str = "request") -> float:
    total = sum(seconds.values())
    print(title)
    for name, cpu in seconds.items():
        print(f"  {name:<32} {cpu / elapsed:6.1%} of a core  {cpu / n * 1000:6.2f} ms per {per}")
    print(f"  {'total':<32} {total / elapsed:6.1%} of a core  {total / n * 1000:6.2f} ms per {per}")
    return total / n * 1000


async def warm_up(client: LeanHttp, platform: Platform, paths: list[str], headers: dict[str, str], rate: float,
                  at_least: int) -> int:  # fmt: skip
    """Admit at `rate`, at least `at_least` times and then until the broker's JIT compiler has settled (or
    WARM_MAX_S has passed); returns how many admissions it took."""
    kafka = platform.infra.kafka.pid if platform.infra.kafka is not None else None
    chunk = max(1, round(rate * WARM_CHUNK_S))
    done = settled = 0
    while done < len(paths):
        jit_before = jit_compiler_seconds(kafka) if kafka else 0.0
        elapsed = await at_rate(client, paths[done : done + chunk], headers, rate)
        done += min(chunk, len(paths) - done)
        jit = (jit_compiler_seconds(kafka) - jit_before) / elapsed if kafka else 0.0
        print(f"  {done} admissions, broker JIT compiler {jit:.1%} of a core", flush=True)
        settled = settled + 1 if jit < JIT_SETTLED else 0
        if done >= at_least and settled >= SETTLED_CHUNKS:
            break
    await welcomes_committed(platform, done)
    return done


async def measure(
    platform: Platform, rate: float, n: int, warmup: int, warm_max_s: float = WARM_MAX_S, sink: int | None = None
) -> None:
    admin = platform.infra.issuer.mint("bench-admin", ["network_admin"])
    headers = {"Authorization": f"Bearer {admin}"}
    most = max(warmup, round(rate * warm_max_s))
    print(f"preparing {most + n} applications ...", flush=True)
    paths = [admit_path(o) for o in await create_applications(platform, most + n)]
    platform_meter = CpuMeter.of_platform(platform, **{LOAD: os.getpid()} | ({MAIL_SINK: sink} if sink else {}))

    print(f"baseline: {n} requests at {rate:g}/s to a bare FastAPI app ...", flush=True)
    with bare_fastapi() as (url, pid):
        async with LeanHttp(url) as bare:
            bare_meter = CpuMeter({"bare FastAPI app (uvicorn)": pid, LOAD: os.getpid()})
            platform_meter.start()
            bare_meter.start()
            bare_elapsed = await at_rate(bare, paths[most:], headers, rate)
            bare_cpu = bare_meter.seconds()
            idle = platform_meter.seconds()

    async with LeanHttp(platform.url("membership")) as client:
        print(f"warming up at {rate:g}/s: at least {warmup} admissions, then until the broker's JIT settles",
              flush=True)  # fmt: skip
        warmup = await warm_up(client, platform, paths[:most], headers, rate, warmup)
        paths = paths[:warmup] + paths[most:]
        speed_before = machine_speed()
        print(f"measuring: {n} admissions at {rate:g}/s ...", flush=True)
        loop = asyncio.get_running_loop()
        platform_meter.start()
        kafka = platform.infra.kafka.pid if platform.infra.kafka is not None else None
        jit_before = jit_compiler_seconds(kafka) if kafka else 0.0
        batches_before = consumer_batches(platform)
        t0 = loop.time()
        sent_for = await at_rate(client, paths[warmup:], headers, rate)
        count, _ = await welcomes_committed(platform, warmup + n)
        elapsed = loop.time() - t0
        cpu = platform_meter.seconds()
        jit = jit_compiler_seconds(kafka) - jit_before if kafka else 0.0
        batches = consumer_batches(platform) - batches_before
    missing = warmup + n - count

    print()
    print(f"offered {rate:g}/s: {n} admissions sent in {sent_for:.1f} s, last welcome after {elapsed:.1f} s; "
          f"missing: {missing}")  # fmt: skip
    baseline = show(f"baseline: bare FastAPI app, {n} requests in {bare_elapsed:.1f} s", bare_cpu, n, bare_elapsed)
    show("  meanwhile, the platform idle (ms per request = idle CPU / the same requests)",
         {k: v for k, v in idle.items() if k not in (LOAD, MAIL_SINK)}, n, bare_elapsed)  # fmt: skip
    # The sink stands for the mail server each admission's three mails go to: shown, not in the total.
    sink_s = cpu.pop(MAIL_SINK, None)
    total = show("admission flow", cpu, n, elapsed, per="admission")
    if sink_s is not None:
        print(f"  and, not counted above, the {MAIL_SINK}: {sink_s / elapsed:.1%} of a core, "
              f"{sink_s / n * 1000:.2f} ms per admission")  # fmt: skip
    print(f"  of which the broker's JIT compiler: {jit / n * 1000:.2f} ms per admission (warm-up: {warmup})")
    print(f"  notifications handled them in {batches:.0f} batches, {n / max(batches, 1):.2f} admissions per batch")
    print(f"ratio flow / bare FastAPI request: x{total / baseline:.1f}")
    print(f"machine speed: {speed_before:.1f} M loop iterations/s on one core before measuring, "
          f"{machine_speed():.1f} after ({os.cpu_count()} cores)")  # fmt: skip
    met = total < GOAL_MS and missing == 0
    print(f"goal: under {GOAL_MS:g} ms of CPU per admission in all: {'met' if met else 'NOT met'} ({total:.2f} ms)")
    record(
        figure("admission_cpu", f"CPU per admission, all processes, at {rate:g}/s", total, "ms", baseline=baseline,
               baseline_name="CPU per bare FastAPI request", goal=f"< {GOAL_MS:g} ms", met=met,
               per_process={k: round(v / n * 1000, 3) for k, v in cpu.items()}, missing=missing,
               mail_sink_ms=None if sink_s is None else round(sink_s / n * 1000, 3)),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100.0, help="admissions per second")
    parser.add_argument("--admissions", type=int, default=2000, help="admissions measured")
    # The broker's JIT compiles for its first ~20 s: measured before that, Kafka costs half as much again.
    parser.add_argument("--warmup", type=int, default=2000, help="admissions before measuring (at --rate)")
    parser.add_argument("--warm-max-s", type=float, default=WARM_MAX_S, help="longest warm-up waiting for the JIT")
    args = parser.parse_args()
    with (
        fresh_infra() as infra,
        mail_sink_process() as sink,
        Platform(infra, services=("membership", "notifications"), base_port=8201, log_level="WARNING") as platform,
    ):
        uvloop.run(measure(platform, args.rate, args.admissions, args.warmup, args.warm_max_s, sink))


if __name__ == "__main__":
    main()
