"""Idle resident memory of each service process, next to baselines measured in the same run.

    make bench-memory
    uv run python bench/idle_memory.py --settle 10

Starts the whole platform as `make run` does (own ports, empty data in a temporary folder),
lets it idle for `--settle` seconds, then reads VmRSS of each uvicorn process from /proc. Baselines:
a bare Python interpreter, and a one-route FastAPI app under the same uvicorn.
"""

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from fresh import fresh_infra
from npd_devstack.cache import free_ports
from npd_devstack.platform import Platform

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settle", type=float, default=10.0, help="idle seconds before reading memory")
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

    print()
    print(f"{'process':<34}{'RSS MB':>8}{'x bare Python':>15}{'x FastAPI hello':>17}")
    print(f"{'baseline: bare python3':<34}{bare:8.1f}{1:15.2f}{bare / hello:17.2f}")
    print(f"{'baseline: FastAPI hello (uvicorn)':<34}{hello:8.1f}{hello / bare:15.2f}{1:17.2f}")
    for name, mb in measured.items():
        print(f"{'service: ' + name:<34}{mb:8.1f}{mb / bare:15.2f}{mb / hello:17.2f}")
    worst = max(measured.values())
    print(f"goal < 150 MB per service: {'met' if worst < 150 else 'NOT met'} (largest {worst:.1f} MB)")


if __name__ == "__main__":
    main()
