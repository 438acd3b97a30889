"""Kafka and PostgreSQL in throw-away containers, for test sessions that opt in with NPD_TESTCONTAINERS=1.

The local launcher (kafka.py, postgres.py) stays the default and is what CI uses: these machines have no
Docker engine. Where one answers, the opt-in runs the tests against the same images on any such machine.
testcontainers is imported only in here and only when asked for, so the default path never loads it.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from npd_devstack.postgres import USER, PostgresError, check_database_name

if TYPE_CHECKING:
    from testcontainers.community.postgres import PostgresContainer

OPT_IN = "NPD_TESTCONTAINERS"
# testcontainers' KafkaContainer drives Confluent's image; KRaft mode is tested upstream with this tag.
KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"
POSTGRES_IMAGE = "postgres:15"  # the major version the local launcher finds on these machines
PASSWORD = "npd"
START_TIMEOUT_S = 120  # the first run pulls the images


def requested() -> bool:
    """`NPD_TESTCONTAINERS=1` (or true/yes/on) asks for containers instead of the local launcher."""
    return os.environ.get(OPT_IN, "").strip().lower() in {"1", "true", "yes", "on"}


def unavailable_reason() -> str | None:
    """Why containers cannot run here, as a skip reason a reader can act on; None when an engine answers."""
    try:
        from testcontainers.core.docker_client import DockerClient, get_docker_host
    except ImportError as error:
        return f"{OPT_IN}=1, but testcontainers cannot be imported ({error}); `make setup` installs it"
    where = get_docker_host() or "unix:///var/run/docker.sock"
    try:
        DockerClient(timeout=10).client.ping()
    except Exception as error:  # the docker SDK's own errors, requests' and OSError all mean "no engine"
        return f"{OPT_IN}=1, but no Docker engine answers at {where} ({error}); unset {OPT_IN} for the local launcher"
    return None


@contextmanager
def kafka_container() -> Iterator[str]:
    """One broker in KRaft mode; yields its bootstrap servers."""
    from testcontainers.community.kafka import KafkaContainer

    container = KafkaContainer(KAFKA_IMAGE).with_kraft()
    # Like the local broker: topics come from contracts/ only, so a typo fails instead of creating one.
    container.with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
    container.start(timeout=START_TIMEOUT_S)
    try:
        yield container.get_bootstrap_server()
    finally:
        container.stop()


class ContainerPostgres:
    """A PostgreSQL server in a container, used as tests use the local `PostgresCluster`."""

    def __init__(self, container: "PostgresContainer") -> None:
        self._container = container
        self.host = container.get_container_host_ip()
        self.port = int(container.get_exposed_port(5432))

    def dsn(self, database: str) -> str:
        """libpq form, for asyncpg.connect and psql."""
        return f"postgresql://{USER}:{PASSWORD}@{self.host}:{self.port}/{database}"

    def url(self, database: str) -> str:
        """SQLAlchemy form, which the services' settings take."""
        return f"postgresql+asyncpg://{USER}:{PASSWORD}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create `name` unless it exists; return its SQLAlchemy URL."""
        check_database_name(name)
        # psql inside the container: the host needs no PostgreSQL client for this path.
        psql = ["psql", "-X", "-q", "-U", USER, "-d", "postgres", "-c", f'CREATE DATABASE "{name}"']
        result = self._container.exec(psql)
        output = result.output.decode(errors="replace")
        if result.exit_code != 0 and "already exists" not in output:
            raise PostgresError(f"creating database {name} failed: {output}")
        return self.url(name)


@contextmanager
def postgres_container() -> Iterator[ContainerPostgres]:
    """A server set up like the local test cluster (fsync off, 200 connections)."""
    from testcontainers.community.postgres import PostgresContainer

    container = PostgresContainer(POSTGRES_IMAGE, username=USER, password=PASSWORD, dbname="postgres", driver=None)
    container.with_command(
        "postgres -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    container.start()
    try:
        yield ContainerPostgres(container)
    finally:
        container.stop()
