"""The whole local infrastructure as one object: Kafka, PostgreSQL with a database per service, the issuer.

Used by `npd-dev infra` and meant for the platform runner (`npd-dev run`): start it, read `env()`,
hand that environment to the services.
"""

from collections.abc import Iterable, Sequence
from pathlib import Path

from npd_devstack.issuer import DevIssuer
from npd_devstack.kafka import BOOTSTRAP_ENV, KafkaNode, external_bootstrap
from npd_devstack.postgres import PostgresCluster
from npd_devstack.topics import ensure_topics

KAFKA_PORT = 19092
KAFKA_CONTROLLER_PORT = 19093
POSTGRES_PORT = 55432
SERVICE_DATABASES = ("membership", "events", "benchmark", "notifications")


class Infra:
    """Data lives under `root` and survives restarts; ports are fixed so `.env` files stay valid."""

    def __init__(
        self,
        root: Path,
        kafka_port: int = KAFKA_PORT,
        controller_port: int = KAFKA_CONTROLLER_PORT,
        postgres_port: int = POSTGRES_PORT,
        databases: Sequence[str] = SERVICE_DATABASES,
    ) -> None:
        self.root = root
        self.databases = tuple(databases)
        self.external_kafka = external_bootstrap()
        self.kafka = None if self.external_kafka else KafkaNode(root / "kafka", kafka_port, controller_port)
        self.postgres = PostgresCluster(root / "postgres", postgres_port)
        self.issuer = DevIssuer(root / "dev-issuer")
        self.database_urls: dict[str, str] = {}

    @property
    def bootstrap_servers(self) -> str:
        if self.kafka is not None:
            return self.kafka.bootstrap_servers
        assert self.external_kafka is not None
        return self.external_kafka

    def start(self) -> None:
        try:
            if self.kafka is not None:
                self.kafka.launch()  # the JVM warms up while PostgreSQL starts
            self.postgres.start()
            self.database_urls = {name: self.postgres.create_database(name) for name in self.databases}
            if self.kafka is not None:
                self.kafka.wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.kafka is not None:
            self.kafka.stop()
        self.postgres.stop()

    async def ensure_topics(self, specs: Iterable[tuple[str, int]]) -> list[str]:
        return await ensure_topics(self.bootstrap_servers, specs)

    def env(self) -> dict[str, str]:
        """Settings for the services, named as npd_runtime.settings reads them.

        A `<SERVICE>_DATABASE_URL` the user set wins over ours; applying that is the runner's job.
        """
        settings = {BOOTSTRAP_ENV: self.bootstrap_servers}
        settings |= {f"{name.upper()}_DATABASE_URL": url for name, url in self.database_urls.items()}
        settings |= {
            "OIDC_ISSUER": self.issuer.issuer,
            "OIDC_AUDIENCE": self.issuer.audience,
            "OIDC_JWKS_URL": self.issuer.jwks_url,
        }
        return settings

    def __enter__(self) -> "Infra":
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
