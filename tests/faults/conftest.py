"""The fault suite's harness (`make test-faults`): services as real processes on the session's own Kafka and
PostgreSQL, frozen, killed with SIGKILL and restarted by the tests; topics read back with plain aiokafka.

`make test` does not collect this folder (the root conftest ignores it unless it is named on the command
line): each test here streams 10,000 events through real processes and takes a minute or more.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from npd_devstack.cache import free_ports
from npd_devstack.issuer import DevIssuer
from npd_devstack.platform import RunningService, start_service, wait_ready
from npd_devstack.smtp_sink import MailSink, SinkServer


def libpq(url: str) -> str:
    """The services' SQLAlchemy URL in the form asyncpg.connect takes."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@dataclass
class ServiceProcess:
    """One replica of a service as its own uvicorn process, the way `make run` starts it; the tests freeze
    it (SIGSTOP), kill it (SIGKILL) and start it again on the same port."""

    name: str
    env: dict[str, str]
    port: int = field(default_factory=lambda: free_ports(1)[0])
    service: RunningService | None = None
    kills: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.service is not None, f"{self.name} is not running"
        return self.service.process.pid

    def start(self, timeout_s: float = 90) -> "ServiceProcess":
        self.service = start_service(self.name, self.port, self.env)
        wait_ready(self.service, timeout_s)
        return self

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def kill9(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed, committed or deleted on the way out."""
        assert self.service is not None
        process = self.service.process
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        assert process.returncode == -signal.SIGKILL, f"{self.name} ended with {process.returncode}, not SIGKILL"
        self.kills += 1
        self.service = None

    def stop(self) -> None:
        if self.service is None or self.service.process.poll() is not None:
            return
        process = self.service.process
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)  # a frozen process cannot act on SIGTERM
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.service = None

    def metrics(self) -> str:
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as response:
            return str(response.read().decode())

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of `name` whose labels include `labels` (0 if there is none)."""
        total = 0.0
        for line in self.metrics().splitlines():
            if not line.startswith(name) or line.startswith("#"):
                continue
            sample, _, value = line.rpartition(" ")
            metric, _, label_text = sample.partition("{")
            if metric != name:
                continue
            if all(f'{key}="{wanted}"' in label_text for key, wanted in labels.items()):
                total += float(value)
        return total


@pytest.fixture(scope="session")
def mail_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MailSink, int]]:
    """A real SMTP server on loopback for notifications' mail; each mail lands as an .eml file."""
    (port,) = free_ports(1)
    sink = MailSink(tmp_path_factory.mktemp("mail"))
    server = SinkServer(sink, port=port).start()
    try:
        yield sink, port
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fault_env(
    kafka: str,
    service_database: Callable[[str], str],
    dev_issuer: DevIssuer,
    mail_sink: tuple[MailSink, int],
) -> dict[str, str]:
    """The services' environment on this session's infrastructure (every database migrated)."""
    env = dict(os.environ) | {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "OIDC_ISSUER": dev_issuer.issuer,
        "OIDC_AUDIENCE": dev_issuer.audience,
        "OIDC_JWKS_URL": dev_issuer.jwks_url,
        "LOG_LEVEL": "WARNING",
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(mail_sink[1]),
        "NOTIFICATIONS_PUBLIC_URL": "http://127.0.0.1:9",
        "NOTIFICATIONS_UNSUBSCRIBE_SECRET": "fault-suite-only",
    }
    for name in ("membership", "events", "benchmark", "notifications"):
        env[f"{name.upper()}_DATABASE_URL"] = service_database(name)
    return env


@pytest.fixture
def processes(fault_env: dict[str, str]) -> Iterator[Callable[..., ServiceProcess]]:
    """`processes("membership")`: a started replica; every one still running is stopped after the test."""
    started: list[ServiceProcess] = []

    def start(name: str, **env: str) -> ServiceProcess:
        process = ServiceProcess(name, fault_env | env).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


# -- Kafka, read with plain aiokafka ---------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    key: str
    event_id: str
    event_type: str
    value: bytes


@contextlib.asynccontextmanager
async def reader(bootstrap: str, topic: str) -> AsyncIterator[tuple[AIOKafkaConsumer, list[TopicPartition]]]:
    """A consumer of no group assigned every partition of `topic` (it commits nothing)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, max_partition_fetch_bytes=8 << 20
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            while not consumer.assignment():  # noqa: ASYNC110 - aiokafka signals assignment only to listeners
                await asyncio.sleep(0.02)
        yield consumer, sorted(consumer.assignment())
    finally:
        await consumer.stop()


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    async with reader(bootstrap, topic) as (consumer, partitions):
        ends = await consumer.end_offsets(partitions)
        return {tp.partition: offset for tp, offset in ends.items()}


async def read_topic(bootstrap: str, topic: str, since: dict[int, int]) -> list[Record]:
    """Every record on `topic` from the offsets `since` to its current end, in offset order per partition."""
    records: list[Record] = []
    async with reader(bootstrap, topic) as (consumer, partitions):
        ends = await consumer.end_offsets(partitions)
        left = {tp: end for tp, end in ends.items() if end > since.get(tp.partition, 0)}
        for tp in partitions:
            consumer.seek(tp, since.get(tp.partition, 0))
        deadline = time.monotonic() + 120
        while left:
            if time.monotonic() > deadline:
                raise AssertionError(f"reading {topic} back took over 120 s; still to read: {left}")
            batches = await consumer.getmany(*left, timeout_ms=1000, max_records=5000)
            for tp, batch in batches.items():
                for message in batch:
                    if message.offset >= ends[tp]:
                        break
                    headers = dict(message.headers or ())
                    records.append(
                        Record(
                            tp.partition,
                            message.offset,
                            (message.key or b"").decode(),
                            headers["ce_id"].decode(),
                            headers["ce_type"].decode(),
                            message.value,
                        )
                    )
                if batch and batch[-1].offset + 1 >= ends[tp]:
                    left.pop(tp, None)
    return records


async def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The offsets `group` has committed on `topic`'s partitions (absent where it has committed none)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset >= 0}
    finally:
        await admin.close()


async def until(check: Callable[[], Awaitable[Any]], what: str, timeout_s: float, every_s: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` and the last value otherwise."""
    deadline = time.monotonic() + timeout_s
    value = None
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(every_s)
    raise AssertionError(f"{what}: not within {timeout_s:.0f} s (last seen: {value!r})")


@contextlib.asynccontextmanager
async def connected(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(libpq(url))
    try:
        yield conn
    finally:
        await conn.close()


def report(line: str) -> None:
    """Figures the suite prints (pytest -s shows them; the Makefile target passes -s)."""
    print(f"\n[faults] {line}", flush=True)


FAULTS = Path(__file__).parent
