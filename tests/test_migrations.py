"""Each service's migrations build exactly the schema its models describe, and can be undone."""

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from npd_devstack.postgres import PostgresCluster

SERVICES_DIR = Path(__file__).resolve().parents[1] / "services"
SERVICES = ["membership", "events", "benchmark", "notifications"]


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_the_models_and_round_trip(
    service: str, postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", postgres_cluster.create_database(f"{service}_migrations"))
    config = Config(str(SERVICES_DIR / service / "alembic.ini"))
    command.upgrade(config, "head")
    command.check(config)  # raises when the models and the migrated schema differ
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)
