"""Session-wide pytest fixtures for real infrastructure: `pytest_plugins = ["npd_devstack.pytest_plugin"]`."""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from npd_devstack.cache import free_ports
from npd_devstack.issuer import DevIssuer
from npd_devstack.kafka import KafkaNode, external_bootstrap
from npd_devstack.postgres import PostgresCluster


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh single-node broker for this session, or the cluster named by KAFKA_BOOTSTRAP_SERVERS."""
    external = external_bootstrap()
    if external is not None:
        yield external
        return
    port, controller_port = free_ports(2)
    node = KafkaNode(tmp_path_factory.mktemp("kafka"), port, controller_port)
    node.start()
    try:
        yield node.bootstrap_servers
    finally:
        node.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A fresh cluster with fsync off; create one database per test module or service as needed."""
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
