"""The whole platform on one machine: infrastructure, migrations, then each service as its own process.

`npd-dev run` (and `make run`) use it interactively; bench/ uses `Platform` as a context manager.
"""

import asyncio
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from npd_devstack.stack import Infra

REPO = Path(__file__).resolve().parents[3]
SERVICES = ("membership", "events", "benchmark", "notifications")
BASE_PORT = 8001


@dataclass(frozen=True)
class RunningService:
    name: str
    url: str
    process: subprocess.Popen[bytes]


def service_env(infra: Infra, base: dict[str, str]) -> dict[str, str]:
    """The services' environment: the user's settings win over what the local stack offers."""
    offered = {
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers,
        "OIDC_ISSUER": infra.issuer.issuer,
        "OIDC_AUDIENCE": infra.issuer.audience,
        "OIDC_JWKS_URL": infra.issuer.jwks_url,
    }
    offered |= {f"{name.upper()}_DATABASE_URL": url for name, url in infra.database_urls.items()}
    return offered | base


def migrate(service: str, env: dict[str, str]) -> None:
    ini = REPO / "services" / service / "alembic.ini"
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), "upgrade", "head"], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrations of {service} failed:\n{done.stderr}")


def start_service(service: str, port: int, env: dict[str, str]) -> RunningService:
    command = [
        sys.executable, "-m", "uvicorn", "--factory", f"npd_{service}.main:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "10",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    return RunningService(service, f"http://127.0.0.1:{port}", process)


def wait_ready(service: RunningService, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {service.process.returncode} while starting")
        try:
            with urllib.request.urlopen(f"{service.url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{service.name} not ready after {timeout_s}s: see its log above")


def stop_services(services: Sequence[RunningService], timeout_s: float = 15) -> None:
    for service in services:
        if service.process.poll() is None:
            service.process.terminate()
    deadline = time.monotonic() + timeout_s
    for service in services:
        try:
            service.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


class Platform:
    """Infrastructure plus the chosen services, each migrated and ready, until the context ends."""

    def __init__(
        self,
        infra: Infra,
        services: Sequence[str] = SERVICES,
        base_port: int = BASE_PORT,
        log_level: str = "INFO",
        start_infra: bool = True,
    ) -> None:
        self.infra = infra
        self.start_infra = start_infra
        self.names = tuple(services)
        self.base_port = base_port
        self.log_level = log_level
        self.running: list[RunningService] = []

    def __enter__(self) -> "Platform":
        if self.start_infra:
            self.infra.start()
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        from npd_contracts.topics import topic_specs

        asyncio.run(self.infra.ensure_topics(topic_specs()))
        env = service_env(self.infra, dict(os.environ) | {"LOG_LEVEL": os.environ.get("LOG_LEVEL", self.log_level)})
        for name in self.names:
            migrate(name, env)
        for offset, name in enumerate(SERVICES):
            if name in self.names:
                self.running.append(start_service(name, self.base_port + offset, env))
        for service in self.running:
            wait_ready(service)

    def wait_until_a_service_exits(self) -> None:
        """Block (Ctrl-C ends it); a service that dies takes the platform down rather than limp on."""
        while True:
            for service in self.running:
                if service.process.poll() is not None:
                    raise RuntimeError(f"{service.name} exited with {service.process.returncode}")
            time.sleep(0.5)

    def url(self, service: str) -> str:
        return next(s.url for s in self.running if s.name == service)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        stop_services(self.running)
        self.running = []
        self.infra.stop()


def describe(platform: Platform) -> str:
    lines = ["", "NPD Platform is running:", ""]
    for service in platform.running:
        lines.append(f"  {service.name:<14} API {service.url}/v1   OpenAPI {service.url}/docs")
        lines.append(f"  {'':<14} metrics {service.url}/metrics   AsyncAPI {service.url}/asyncapi")
    lines += [
        "",
        f"  Kafka {platform.infra.bootstrap_servers}   PostgreSQL {platform.infra.postgres.url('membership')}",
        "  Token: uv run npd-dev token --sub you --role network_admin",
        "",
        "Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)
