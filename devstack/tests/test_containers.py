"""The testcontainers opt-in: chosen only by NPD_TESTCONTAINERS, and a clear skip where no Docker engine answers.

The selection is tested in a pytest session of its own (a subprocess), since it happens once per session.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from npd_devstack import containers
from npd_devstack.postgres import DatabaseServer

NO_ENGINE = "unix:///nonexistent/docker.sock"


def inner_session(tmp_path: Path, tests: str, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest on `tests` with only this plugin, in an environment without the variables that pick infrastructure."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = session\n")
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(tests))
    clean = {k: v for k, v in os.environ.items() if k not in {"KAFKA_BOOTSTRAP_SERVERS", containers.OPT_IN}}
    command = [sys.executable, "-m", "pytest", "-p", "npd_devstack.pytest_plugin", "-p", "no:cacheprovider", "-rs"]
    return subprocess.run(
        [*command, str(tmp_path / "test_inner.py")], cwd=tmp_path, env=clean | env, capture_output=True, text=True
    )


@pytest.mark.parametrize(("value", "opted_in"), [("1", True), ("true", True), ("", False), ("0", False)])
def test_only_a_true_value_of_the_variable_opts_in(monkeypatch: pytest.MonkeyPatch, value: str, opted_in: bool) -> None:
    monkeypatch.setenv(containers.OPT_IN, value)
    assert containers.requested() is opted_in


def test_opting_in_without_a_docker_engine_skips_with_the_reason(tmp_path: Path) -> None:
    session = inner_session(
        tmp_path,
        """
        def test_needs_kafka(kafka_bootstrap):
            pass

        def test_needs_postgres(postgres_cluster):
            pass

        def test_needs_neither():
            pass
        """,
        NPD_TESTCONTAINERS="1",
        DOCKER_HOST=NO_ENGINE,
    )

    assert session.returncode == 0, session.stdout + session.stderr
    assert "1 passed, 2 skipped" in session.stdout
    reason = f"NPD_TESTCONTAINERS=1, but no Docker engine answers at {NO_ENGINE}"
    assert session.stdout.count(reason) >= 2 + 1  # the header names it too
    assert "unset NPD_TESTCONTAINERS for the local launcher" in session.stdout


def test_without_the_variable_the_local_launcher_is_used(tmp_path: Path) -> None:
    session = inner_session(
        tmp_path,
        """
        def test_infrastructure(infrastructure):
            assert infrastructure == "local launcher"
        """,
        DOCKER_HOST=NO_ENGINE,
    )

    assert session.returncode == 0, session.stdout + session.stderr
    assert "infrastructure: local launcher" in session.stdout
    assert "1 passed" in session.stdout


async def test_an_opted_in_session_gets_kafka_and_postgres_from_containers(
    infrastructure: str, kafka_bootstrap: str, postgres_cluster: DatabaseServer
) -> None:
    if infrastructure != "testcontainers":
        pytest.skip("runs with NPD_TESTCONTAINERS=1 where a Docker engine answers")
    assert isinstance(postgres_cluster, containers.ContainerPostgres)
    postgres_cluster.create_database("in_a_container")
    connection = await asyncpg.connect(postgres_cluster.dsn("in_a_container"))
    try:
        assert await connection.fetchval("SELECT current_database()") == "in_a_container"
    finally:
        await connection.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        assert (await admin.describe_cluster())["brokers"]
    finally:
        await admin.close()
