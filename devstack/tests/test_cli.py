from pathlib import Path

import asyncpg
import jwt
import pytest
from npd_devstack.cli import main
from npd_devstack.issuer import DevIssuer
from npd_devstack.postgres import PostgresCluster


def test_the_token_command_prints_a_token_of_the_cached_issuer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NPD_CACHE_DIR", str(tmp_path))

    assert main(["token", "--sub", "u-7", "--ttl", "60"]) == 0

    issuer = DevIssuer(tmp_path / "dev-issuer")
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, issuer._key.public_key(), algorithms=["RS256"], audience=issuer.audience)
    assert claims["sub"] == "u-7"
    assert "roles" not in claims and "org_id" not in claims  # identity only: roles are membership's
    assert claims["exp"] - claims["iat"] == 60


async def test_the_migrate_command_upgrades_the_database_its_variable_names(
    postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EVENTS_DATABASE_URL", postgres_cluster.create_database("cli_migrate"))

    assert main(["migrate", "events"]) == 0

    connection = await asyncpg.connect(postgres_cluster.dsn("cli_migrate"))
    try:
        assert await connection.fetchval("SELECT version_num FROM alembic_version")
    finally:
        await connection.close()
    assert "events: alembic upgrade head on the database in EVENTS_DATABASE_URL" in capsys.readouterr().err


def test_the_migrate_command_refuses_a_service_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "membershp"]) == 2
    assert "unknown services ['membershp']" in capsys.readouterr().err
