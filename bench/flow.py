"""What the admission benchmarks share: the processes whose CPU they count, applications made in bulk, a
bare FastAPI app as the baseline, and waiting for the welcomes. Not a test module."""

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
from lean_http import LeanHttp
from npd_devstack.cache import free_ports
from npd_devstack.platform import SMTP_SINK_PORT, Platform

BENCH = Path(__file__).resolve().parent
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
WELCOME = "member_joined.welcome"  # the rule, and so the inbox item's kind, of the organisation's welcome


# -- CPU of the processes on the path --------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    # The command name may hold spaces and parentheses: fields start after the last ")".
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def own_ticks(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12])  # utime + stime


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
    return found


def postgres_ticks(postmaster: int) -> int:
    """The cluster's CPU: the postmaster, its live backends, and (cutime + cstime) every backend it reaped,
    so a connection opened and closed between two readings is counted too. Other clusters on the machine
    (tests running in parallel, say) are not."""
    fields = _stat(postmaster)
    total = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    for child in children(postmaster):
        with contextlib.suppress(OSError):
            total += own_ticks(child)
    return total


def postmaster_pid(platform: Platform) -> int:
    pidfile = platform.infra.postgres.cluster_dir / "postmaster.pid"
    return int(pidfile.read_text().split()[0])


class CpuMeter:
    """CPU ticks of named processes between two readings."""

    def __init__(self, pids: dict[str, int], postmaster: int | None = None) -> None:
        self.pids = pids
        self.postmaster = postmaster
        self._before: dict[str, int] = {}

    @classmethod
    def of_platform(cls, platform: Platform, **extra: int) -> "CpuMeter":
        pids = {s.name: s.process.pid for s in platform.running}
        kafka = platform.infra.kafka
        if kafka is not None and kafka.pid is not None:
            pids["kafka broker"] = kafka.pid
        return cls(pids | extra, postmaster_pid(platform))

    def read(self) -> dict[str, int]:
        ticks = {}
        for name, pid in self.pids.items():
            with contextlib.suppress(OSError):
                ticks[name] = own_ticks(pid)
        if self.postmaster is not None:
            ticks["postgresql (its backends)"] = postgres_ticks(self.postmaster)
        return ticks

    def start(self) -> None:
        self._before = self.read()

    def seconds(self) -> dict[str, float]:
        """CPU seconds of each process since start()."""
        after = self.read()
        return {name: (after[name] - self._before.get(name, 0)) / TICKS_PER_S for name in after}


def jit_compiler_seconds(pid: int) -> float:
    """CPU seconds a HotSpot JVM's JIT compiler threads ("C1/C2 CompilerThread<n>") have used so far."""
    ticks = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            if (task / "comm").read_text().startswith(("C1 CompilerThre", "C2 CompilerThre")):
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
    return ticks / TICKS_PER_S


def machine_speed(seconds: float = 1.0) -> float:
    """Millions of bare Python loop iterations per second on one core: how fast the host lets us run
    right now (shared hosts vary by tens of percent within an hour); compare runs with it."""
    count, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        count += 1
    return count / seconds / 1e6


# -- the flow's data ----------------------------------------------------------------------------------------


async def create_applications(platform: Platform, n: int) -> list[str]:
    """n open applications written straight into membership's table (COPY): what is measured is the
    admission, and applying 10,000 organisations over HTTP would take longer than the measurement."""
    now = datetime.now(UTC)
    rows = [
        (uuid4(), f"Bench {i} {uuid4().hex[:8]}", "municipality", "applied", f"contact-{i}", "b@example.nl", now)
        for i in range(n)
    ]
    conn = await asyncpg.connect(platform.infra.postgres.dsn("membership"))
    try:
        await conn.copy_records_to_table(
            "organisations",
            records=rows,
            columns=["id", "name", "kind", "status", "contact_person_id", "contact_email", "applied_at"],
        )
        await conn.execute("ANALYZE organisations")
    finally:
        await conn.close()
    return [str(row[0]) for row in rows]


async def welcomes_committed(platform: Platform, expected: int, timeout_s: float = 60) -> tuple[int, float]:
    """Wait until notifications' database holds `expected` welcomes in all; returns how many it holds and
    when the last was written (wall clock, seconds). Only the organisation's welcome counts: an admission
    writes more inbox items than that one (its contact's own welcome, the org-admin role granted), and
    counting them all ended the wait when about a third of the admissions had been handled."""
    conn = await asyncpg.connect(platform.infra.postgres.dsn("notifications"))
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            row = await conn.fetchrow(
                "SELECT count(*) AS n, extract(epoch FROM max(created_at)) AS last FROM notifications WHERE kind = $1",
                WELCOME,
            )
            assert row is not None
            if row["n"] >= expected or time.monotonic() > deadline:
                return int(row["n"]), float(row["last"] or 0.0)
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def connections_opened(platform: Platform, database: str) -> int:
    """Connections ever opened to `database` (pg_stat_database.sessions), to see a pool that churns."""
    conn = await asyncpg.connect(platform.infra.postgres.dsn(database))
    try:
        return int(await conn.fetchval("SELECT sessions FROM pg_stat_database WHERE datname = $1", database))
    finally:
        await conn.close()


# -- the mail server's stand-in ------------------------------------------------------------------------------

MAIL_SINK = "SMTP sink (the mail server)"


@contextlib.contextmanager
def mail_sink_process() -> Iterator[int | None]:
    """The SMTP sink notifications mails to, in a process of its own, started before the platform (which then
    uses it); yields its pid. In the platform's own process it shared the load generator's CPU and its
    event loop (it parses every mail it receives), though it stands for a mail server, not for our work.
    Yields None when something else already listens on the sink's port (a `make run`): that one is used."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", SMTP_SINK_PORT)) == 0:
            print(f"# port {SMTP_SINK_PORT} is taken: mail goes to what listens there, its CPU not counted")
            yield None
            return
    directory = tempfile.mkdtemp(prefix="npd-bench-mail-")
    command = [sys.executable, "-m", "npd_devstack.smtp_sink", "--port", str(SMTP_SINK_PORT), "--directory", directory]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", SMTP_SINK_PORT)) == 0:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the SMTP sink did not start")
            time.sleep(0.1)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


# -- the baseline: a bare FastAPI app --------------------------------------------------------------------


@contextlib.contextmanager
def bare_fastapi(app: str = "bare_app:app", env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """A one-route FastAPI app (bench/bare_app.py, or `app` of bench/) under uvicorn, started exactly as the
    services are, with `env` added to its environment; yields its base URL and pid."""
    (port,) = free_ports(1)
    command = [
        sys.executable, "-m", "uvicorn", app, "--app-dir", str(BENCH),
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=os.environ | (env or {}))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the bare FastAPI app did not start") from None
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def consumer_batches(platform: Platform, service: str = "notifications") -> float:
    """How many batches the service's consumer has handled (from its /metrics): events per batch shows
    whether admissions travelled alone or together (a stalled load generator sends bursts)."""
    with urllib.request.urlopen(f"{platform.url(service)}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(f"npd_{service}_event_batch_size_events_count"):
                return float(line.split()[-1])
    return 0.0


def admit_path(org_id: str | UUID) -> str:
    return f"/v1/organisations/{org_id}/admit"


# -- load -----------------------------------------------------------------------------------------------


async def at_rate(client: LeanHttp, paths: list[str], headers: dict[str, str], rate: float) -> float:
    """POST each path at a steady rate (open loop); returns the seconds it took. Fails on any non-200."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    async def one(i: int, path: str) -> None:
        await asyncio.sleep(max(0.0, t0 + i / rate - loop.time()))
        status = await client.post(path, headers=headers)
        if status != 200:
            raise RuntimeError(f"POST {path} answered {status}")

    await asyncio.gather(*(one(i, path) for i, path in enumerate(paths)))
    return loop.time() - t0


async def as_fast_as_possible(
    client: LeanHttp, paths: list[str], headers: dict[str, str], concurrency: int, seconds: float
) -> tuple[int, float]:
    """POST the paths in order, `concurrency` at a time, each as soon as one completes (closed loop), until
    they run out or `seconds` have passed; returns how many were answered and the seconds it took."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    deadline = t0 + seconds
    todo = iter(paths)
    done = 0

    async def worker() -> None:
        nonlocal done
        for path in todo:
            if loop.time() >= deadline:
                return
            status = await client.post(path, headers=headers)
            if status != 200:
                raise RuntimeError(f"POST {path} answered {status}")
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, loop.time() - t0
