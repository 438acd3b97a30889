"""A single-node Kafka broker (KRaft, combined mode) fetched from Maven Central and run as a plain JVM."""

import asyncio
import base64
import hashlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from aiokafka.admin import AIOKafkaAdminClient

from npd_devstack.cache import cache_dir, file_lock, port_in_use
from npd_devstack.system import require_tool

KAFKA_VERSION = "4.3.1"
POM = Path(__file__).resolve().parents[2] / "kafka" / "pom.xml"
BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"
_MARKER = ".complete"

# Only warnings, plus the line that says the server is up, so the log file stays readable.
_LOG4J2_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="out" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
    <Root level="WARN"><AppenderRef ref="out"/></Root>
  </Loggers>
</Configuration>
"""


class KafkaStartError(RuntimeError):
    pass


def external_bootstrap() -> str | None:
    """The user's own cluster, if `KAFKA_BOOTSTRAP_SERVERS` names one: then we start nothing."""
    return os.environ.get(BOOTSTRAP_ENV) or None


def kafka_home(cache: Path | None = None) -> Path:
    """`<cache>/kafka-<version>` with its `libs/`, fetched by Maven once (again only if the pom changed)."""
    home = (cache or cache_dir()) / f"kafka-{KAFKA_VERSION}"
    if not POM.is_file():
        raise KafkaStartError(f"{POM} not found: npd-devstack must be installed from the repo (uv sync)")
    pom_digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    marker = home / _MARKER
    with file_lock(home.with_suffix(".lock")):
        if marker.is_file() and marker.read_text() == pom_digest:
            return home
        libs = home / "libs"
        shutil.rmtree(libs, ignore_errors=True)
        mvn = require_tool("mvn", "maven")
        command = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(POM), "dependency:copy-dependencies"]
        command += ["-DincludeScope=runtime", f"-DoutputDirectory={libs}"]
        # Captured: stdout may be the `.env` lines of `npd-dev infra`; Maven's output matters only on failure.
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise KafkaStartError(f"fetching Kafka with Maven failed:\n{result.stdout}{result.stderr}")
        marker.write_text(pom_digest)
    return home


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    return require_tool("java", "default-jre-headless")


def _cluster_id() -> str:
    """Kafka's own format (base64url of 16 random bytes); saves a JVM start for `random-uuid`."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not candidate.startswith("-"):  # Kafka refuses ids that look like command-line flags
            return candidate


def _run_blocking(coro: Coroutine[Any, Any, bool]) -> bool:
    # A thread of its own, so this works whether or not the caller already runs an event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _has_live_broker(bootstrap: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        return bool(cluster.get("brokers"))
    except Exception:
        return False
    finally:
        await admin.close()


class KafkaNode:
    """One broker+controller on 127.0.0.1; its data, config and log all live in `data_dir`."""

    def __init__(self, data_dir: Path, port: int, controller_port: int, cache: Path | None = None) -> None:
        self.data_dir = data_dir
        self.port = port
        self.controller_port = controller_port
        self.log_file = data_dir / "kafka.log"
        self._cache = cache
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The broker JVM's process id while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> None:
        self.launch()
        self.wait_ready(timeout_s)

    def launch(self) -> None:
        """Start the JVM without waiting, so a caller can set up PostgreSQL meanwhile."""
        for port in (self.port, self.controller_port):
            if port_in_use(port):
                raise KafkaStartError(f"port {port} is already in use (another npd-dev infra running?)")
        home = kafka_home(self._cache)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        properties = self._write_config()
        java = [_java(), f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.xml'}"]
        java += ["-cp", str(home / "libs" / "*")]
        if not (self.data_dir / "logs" / "meta.properties").is_file():
            self._format(java, properties)
        self._log = self.log_file.open("wb")
        heap = ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true"]
        # Kafka logs during its own shutdown hook; log4j's hook would race it and warn.
        heap.append("-Dlog4j2.shutdownHookEnabled=false")
        self._process = subprocess.Popen(
            [java[0], *heap, *java[1:], "kafka.Kafka", str(properties)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop the broker in order
        )

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        """Ready means a client got metadata listing a live broker, not merely an open port."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise KafkaStartError(f"Kafka exited during start-up; see {self.log_file}")
            if port_in_use(self.port) and _run_blocking(_has_live_broker(self.bootstrap_servers)):
                return
            time.sleep(0.25)
        self.stop()
        raise KafkaStartError(f"Kafka not ready after {timeout_s:.0f} s; see {self.log_file}")

    def stop(self, timeout_s: float = 30.0) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "KafkaNode":
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _format(self, java: list[str], properties: Path) -> None:
        command = [*java, "kafka.tools.StorageTool", "format", "--standalone"]
        command += ["--cluster-id", _cluster_id(), "--config", str(properties)]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.data_dir)
        if result.returncode != 0:
            raise KafkaStartError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")

    def _write_config(self) -> Path:
        (self.data_dir / "log4j2.xml").write_text(_LOG4J2_XML)
        host, port, cport = "127.0.0.1", self.port, self.controller_port
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"{host}:{cport}",
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir / "logs"),
            # One broker: every internal topic must be satisfiable by a single replica.
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "3",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "3",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # The default 3 s delay would slow every consumer group start in tests.
            "group.initial.rebalance.delay.ms": "0",
            # Topics come from contracts/ only; a typo must fail, not create a stray topic.
            "auto.create.topics.enable": "false",
        }
        path = self.data_dir / "server.properties"
        path.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        return path


@contextmanager
def running_kafka(data_dir: Path, port: int, controller_port: int) -> Iterator[str]:
    """Bootstrap servers of the user's cluster if `KAFKA_BOOTSTRAP_SERVERS` is set, else of a node we run."""
    external = external_bootstrap()
    if external is not None:
        yield external
        return
    with KafkaNode(data_dir, port, controller_port) as node:
        yield node.bootstrap_servers
