"""Session-wide pytest fixtures for real infrastructure: `pytest_plugins = ["npd_devstack.pytest_plugin"]`.

Kafka and PostgreSQL come from the local launcher; with NPD_TESTCONTAINERS=1, from containers where a
Docker engine answers (and the tests that need them skip, saying why, where none does).
"""

import functools
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from npd_devstack import containers
from npd_devstack.cache import free_ports
from npd_devstack.issuer import DevIssuer
from npd_devstack.kafka import KafkaNode, external_bootstrap
from npd_devstack.postgres import DatabaseServer, PostgresCluster

LOCAL = "local launcher"
TESTCONTAINERS = "testcontainers"


@functools.cache
def _containers_unavailable() -> str | None:
    return containers.unavailable_reason()  # asked once: without an engine, each ask waits for its error


def pytest_report_header() -> str:
    if not containers.requested():
        return f"infrastructure: {LOCAL}"
    reason = _containers_unavailable()
    if reason is None:
        return f"infrastructure: {TESTCONTAINERS} ({containers.OPT_IN}=1)"
    return f"infrastructure: none; tests that need Kafka or PostgreSQL skip: {reason}"


@pytest.fixture(scope="session")
def infrastructure() -> str:
    """Where this session's Kafka and PostgreSQL come from: the local launcher, or testcontainers."""
    if not containers.requested():
        return LOCAL
    reason = _containers_unavailable()
    if reason is not None:
        pytest.skip(reason)
    return TESTCONTAINERS


@pytest.fixture(scope="session")
def kafka_bootstrap(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh single-node broker for this session, or the cluster named by KAFKA_BOOTSTRAP_SERVERS."""
    external = external_bootstrap()
    if external is not None:
        yield external
        return
    if request.getfixturevalue("infrastructure") == TESTCONTAINERS:
        with containers.kafka_container() as bootstrap:
            yield bootstrap
        return
    port, controller_port = free_ports(2)
    node = KafkaNode(tmp_path_factory.mktemp("kafka"), port, controller_port)
    node.start()
    try:
        yield node.bootstrap_servers
    finally:
        node.stop()


@pytest.fixture(scope="session")
def postgres_cluster(infrastructure: str) -> Iterator[DatabaseServer]:
    """A fresh server with fsync off; create one database per test module or service as needed."""
    if infrastructure == TESTCONTAINERS:
        with containers.postgres_container() as server:
            yield server
        return
    # Not tmp_path_factory: pytest's base temp dir is private to the user (0700), and as root the
    # server runs as `postgres`, which must be able to reach the cluster directory.
    (port,) = free_ports(1)
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="npd-pg-test-")), port, fsync=False)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def dev_issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("dev-issuer"))
