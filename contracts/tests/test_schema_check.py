from pathlib import Path

from npd_contracts import schema_check
from npd_contracts.schemas import all_schemas


def test_the_committed_schemas_are_current_and_compatible() -> None:
    assert schema_check.check(schema_check.SCHEMA_DIR) == []


def test_a_stale_schema_is_reported(tmp_path: Path) -> None:
    schema_check.write(tmp_path)
    name = next(iter(all_schemas()))
    (tmp_path / name).write_text("{}\n")
    assert schema_check.check(tmp_path) == [f"{name}: stale; the model changed, run `make schemas` and commit"]


def test_a_removed_event_type_is_reported(tmp_path: Path) -> None:
    schema_check.write(tmp_path)
    (tmp_path / "nl.npd.gone.v1.json").write_text("{}\n")
    assert any("nl.npd.gone.v1.json" in p for p in schema_check.check(tmp_path))


def test_every_catalogued_event_has_a_committed_schema() -> None:
    committed = {p.name for p in schema_check.SCHEMA_DIR.glob("*.json")}
    assert set(all_schemas()) <= committed
