"""The whole platform on one machine: infrastructure, migrations, then each service as its own process.

`npd-dev run` (and `make run`) use it interactively, supervised: a service that exits is restarted with
backoff. bench/ uses `Platform` as a context manager.
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

from npd_devstack.cache import cache_dir
from npd_devstack.smtp_sink import MailSink, SinkServer
from npd_devstack.stack import Infra
from npd_devstack.supervisor import Backoff, Child, Supervisor, stop_children

REPO = Path(__file__).resolve().parents[3]
SERVICES = ("membership", "events", "benchmark", "notifications")
BASE_PORT = 8001
# Membership makes these subjects network admins at start-up: `admin` for people trying the platform,
# `bench-admin` for bench/. Roles live in membership, so a token alone makes nobody an admin.
NETWORK_ADMINS = "admin,bench-admin"
# The local SMTP sink the notifications service mails to; each mail lands as an .eml file in MAIL_DIR.
SMTP_SINK_PORT = 1025
NOTIFICATIONS_PUBLIC_URL = f"http://127.0.0.1:{BASE_PORT + SERVICES.index('notifications')}"


def mail_dir() -> Path:
    return cache_dir() / "mail"


@dataclass(frozen=True)
class RunningService:
    """A service's address and the child that runs it; the process behind it changes on each restart."""

    name: str
    url: str
    child: Child

    @property
    def process(self) -> subprocess.Popen[bytes]:
        if self.child.process is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.child.process


def service_env(infra: Infra, base: dict[str, str]) -> dict[str, str]:
    """The services' environment: the user's settings win over what the local stack offers."""
    offered = {
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers,
        "OIDC_ISSUER": infra.issuer.issuer,
        "OIDC_AUDIENCE": infra.issuer.audience,
        "OIDC_JWKS_URL": infra.issuer.jwks_url,
        "MEMBERSHIP_NETWORK_ADMINS": NETWORK_ADMINS,
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(SMTP_SINK_PORT),
        "NOTIFICATIONS_PUBLIC_URL": NOTIFICATIONS_PUBLIC_URL,
        # A development key only: production takes it from a Secret (deploy/k8s).
        "NOTIFICATIONS_UNSUBSCRIBE_SECRET": "dev-only-unsubscribe-key",
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
    child = Child(service, command, env)
    child.spawn()
    return RunningService(service, f"http://127.0.0.1:{port}", child)


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
    stop_children([service.child for service in services], timeout_s)


class Platform:
    """Infrastructure plus the chosen services, each migrated and ready, until the context ends."""

    def __init__(
        self,
        infra: Infra,
        services: Sequence[str] = SERVICES,
        base_port: int = BASE_PORT,
        log_level: str = "INFO",
        start_infra: bool = True,
        backoff: Backoff | None = None,
    ) -> None:
        self.infra = infra
        self.start_infra = start_infra
        self.names = tuple(services)
        self.base_port = base_port
        self.log_level = log_level
        self.running: list[RunningService] = []
        self.supervisor = Supervisor([], backoff)
        self.mail: SinkServer | None = None

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
        if "notifications" in self.names:
            self._start_mail_sink()
        env = service_env(self.infra, dict(os.environ) | {"LOG_LEVEL": os.environ.get("LOG_LEVEL", self.log_level)})
        for name in self.names:
            migrate(name, env)
        for offset, name in enumerate(SERVICES):
            if name in self.names:
                service = start_service(name, self.base_port + offset, env)
                self.running.append(service)
                self.supervisor.children.append(service.child)
        # Start-up stays strict: a service that cannot start at all (a bad migration, a taken port) is a
        # mistake to fix now, not a crash to retry.
        for service in self.running:
            wait_ready(service)

    def _start_mail_sink(self) -> None:
        """What notifications mails goes to a local SMTP sink; one already listening (another `make run`)
        is used as it is."""
        try:
            self.mail = SinkServer(MailSink(mail_dir()), port=SMTP_SINK_PORT).start()
        except (OSError, RuntimeError) as exc:
            print(f"# SMTP sink not started on port {SMTP_SINK_PORT} ({exc}); mail goes to what listens there")

    def supervise(self) -> None:
        """Block until `request_stop()` (or Ctrl-C), restarting each service that exits, with backoff."""
        self.supervisor.supervise()

    def request_stop(self) -> bool:
        """Safe from a signal handler; False while not supervising (start-up must be interrupted instead)."""
        return self.supervisor.request_stop()

    def url(self, service: str) -> str:
        return next(s.url for s in self.running if s.name == service)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.supervisor.stop()
        self.running = []
        if self.mail is not None:
            self.mail.stop()
        self.infra.stop()


def describe(platform: Platform) -> str:
    backoff = platform.supervisor.backoff
    lines = ["", "NPD Platform is running:", ""]
    for service in platform.running:
        lines.append(f"  {service.name:<14} API {service.url}/v1   OpenAPI {service.url}/docs")
        lines.append(f"  {'':<14} metrics {service.url}/metrics   AsyncAPI {service.url}/asyncapi")
    lines += [
        "",
        f"  Kafka {platform.infra.bootstrap_servers}   PostgreSQL {platform.infra.postgres.url('membership')}",
        "  Tokens: make token SUB=admin (a network admin), make token SUB=you (anyone else)",
        f"  Mail: SMTP sink on 127.0.0.1:{SMTP_SINK_PORT}; each mail notifications sends is an .eml file in "
        f"{mail_dir()}",
        "",
        f"A service that exits is restarted after {backoff.first_s:g} s, doubling to {backoff.max_s:g} s.",
        "Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)
