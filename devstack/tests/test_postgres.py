import asyncpg
import pytest
from npd_devstack.postgres import PostgresCluster


def test_creating_a_database_twice_returns_the_same_url(postgres_cluster: PostgresCluster) -> None:
    first = postgres_cluster.create_database("twice")
    second = postgres_cluster.create_database("twice")
    assert first == second == postgres_cluster.url("twice")
    assert first.startswith("postgresql+asyncpg://npd") and first.endswith(f":{postgres_cluster.port}/twice")


async def test_a_query_runs_in_a_created_database(postgres_cluster: PostgresCluster) -> None:
    postgres_cluster.create_database("queried")
    connection = await asyncpg.connect(postgres_cluster.dsn("queried"))
    try:
        database, answer = await connection.fetchrow("SELECT current_database(), 6 * 7")
    finally:
        await connection.close()
    assert (database, answer) == ("queried", 42)


async def test_the_test_cluster_runs_without_fsync(postgres_cluster: PostgresCluster) -> None:
    connection = await asyncpg.connect(postgres_cluster.dsn("postgres"))
    try:
        fsync, max_connections = await connection.fetchrow(
            "SELECT current_setting('fsync'), current_setting('max_connections')"
        )
    finally:
        await connection.close()
    assert (fsync, max_connections) == ("off", "200")


def test_a_database_name_that_needs_quoting_is_refused(postgres_cluster: PostgresCluster) -> None:
    with pytest.raises(ValueError):
        postgres_cluster.create_database("x'; DROP DATABASE postgres; --")
