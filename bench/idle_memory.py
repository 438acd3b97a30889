"""Resident memory of each service process, idle and under load, next to baselines measured in the same run.

    make bench-memory
    uv run python bench/idle_memory.py --settle 10 --load 20

Starts the whole platform as `make run` does (own ports, empty data in a temporary folder),
lets it idle for `--settle` seconds, then reads VmRSS of each uvicorn process from /proc. Baselines:
a bare Python interpreter, and a one-route FastAPI app under the same uvicorn. Then, for `--load` seconds,
loads every service at once: 100 admissions/s (membership's writes and relay, notifications' consumer and
its welcomes; events and benchmark consume them too) and 8 reads in flight to each of events
(`GET /v1/meetings`), benchmark (`GET /v1/catalogue`) and notifications (`GET /v1/inbox`), sampling VmRSS
every half second: the largest sample is each service's memory under load.
"""

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import uvloop
from flow import admit_path, at_rate, create_applications
from fresh import fresh_infra
from lean_http import LeanHttp
from npd_devstack.cache import free_ports
from npd_devstack.platform import Platform
from results import figure, record

BASE_PORT = 8101

_HELLO = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def baseline(command: list[str], settle_s: float, url: str | None = None, cwd: str | None = None) -> float:
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while url is not None:
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not answer on {url}") from None
                time.sleep(0.2)
        time.sleep(settle_s)
        return rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait()


READS = {"events": "/v1/meetings", "benchmark": "/v1/catalogue", "notifications": "/v1/inbox"}


async def under_load(platform: Platform, seconds: float, rate: float = 100.0) -> tuple[dict[str, float], int]:
    """The largest VmRSS of each service while loading all of them for `seconds`; and how many requests."""
    issuer = platform.infra.issuer
    admin = {"Authorization": f"Bearer {issuer.mint('bench-admin', ['network_admin'])}"}
    reader = {"Authorization": f"Bearer {issuer.mint('bench-reader', [])}"}
    paths = [admit_path(o) for o in await create_applications(platform, int(rate * seconds))]
    peak = {s.name: rss_mb(s.process.pid) for s in platform.running}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    requests = 0

    async def reads(service: str) -> None:
        nonlocal requests
        async with LeanHttp(platform.url(service), connections=8) as client:

            async def worker() -> None:
                nonlocal requests
                while loop.time() < deadline:
                    status, _ = await client.get(READS[service], reader)
                    if status >= 500:
                        raise RuntimeError(f"GET {READS[service]} of {service} answered {status}")
                    requests += 1

            await asyncio.gather(*(worker() for _ in range(8)))

    async def sample() -> None:
        while loop.time() < deadline:
            for s in platform.running:
                peak[s.name] = max(peak[s.name], rss_mb(s.process.pid))
            await asyncio.sleep(0.5)

    async with LeanHttp(platform.url("membership")) as client:
        await asyncio.gather(at_rate(client, paths, admin, rate), sample(), *(reads(s) for s in READS))
    return peak, requests + len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settle", type=float, default=10.0, help="idle seconds before reading memory")
    parser.add_argument("--load", type=float, default=20.0, help="seconds under load (0: idle only)")
    args = parser.parse_args()

    bare = baseline([sys.executable, "-c", "import time; time.sleep(60)"], 1.0)
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "hello.py").write_text(_HELLO)
        (port,) = free_ports(1)
        hello = baseline(
            [sys.executable, "-m", "uvicorn", "hello:app", "--port", str(port), "--no-access-log"],
            args.settle,
            url=f"http://127.0.0.1:{port}/healthz",
            cwd=folder,
        )
    with fresh_infra() as infra, Platform(infra, base_port=BASE_PORT, log_level="WARNING") as platform:
        time.sleep(args.settle)
        measured = {s.name: rss_mb(s.process.pid) for s in platform.running}
        loaded, requests = uvloop.run(under_load(platform, args.load)) if args.load > 0 else ({}, 0)

    print()
    print(f"{'process':<34}{'RSS MB':>8}{'x bare Python':>15}{'x FastAPI hello':>17}{'under load':>12}")
    print(f"{'baseline: bare python3':<34}{bare:8.1f}{1:15.2f}{bare / hello:17.2f}")
    print(f"{'baseline: FastAPI hello (uvicorn)':<34}{hello:8.1f}{hello / bare:15.2f}{1:17.2f}")
    for name, mb in measured.items():
        load = f"{loaded[name]:12.1f}" if name in loaded else ""
        print(f"{'service: ' + name:<34}{mb:8.1f}{mb / bare:15.2f}{mb / hello:17.2f}{load}")
    if loaded:
        print(f"under load: {args.load:g} s, 100 admissions/s and 8 reads in flight to each other service "
              f"({requests:,} requests); the largest RSS sampled")  # fmt: skip
    worst = max(measured.values())
    print(f"goal < 150 MB per service idle: {'met' if worst < 150 else 'NOT met'} (largest {worst:.1f} MB)")
    for name, mb in measured.items():
        record(
            figure("memory", f"{name}: RSS idle", mb, "MB", baseline=hello, baseline_name="FastAPI hello (uvicorn)",
                   goal="< 150 MB idle", met=mb < 150),
        )  # fmt: skip
        if name in loaded:
            record(
                figure("memory", f"{name}: RSS under load (largest sample)", loaded[name], "MB", baseline=mb,
                       baseline_name="the same service idle"),
            )  # fmt: skip


if __name__ == "__main__":
    main()
