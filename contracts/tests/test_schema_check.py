import json
import subprocess
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


def test_a_schema_incompatible_with_a_version_in_git_history_is_reported(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.nl")
    git("config", "user.name", "t")
    schema_check.write(tmp_path)
    name = "nl.npd.membership.member-joined.v1.json"
    older = json.loads((tmp_path / name).read_text())
    del older["properties"]["kind"]
    older["required"].remove("kind")
    (tmp_path / name).write_text(json.dumps(older))
    git("add", ".")
    git("commit", "-qm", "an earlier version without kind")
    schema_check.write(tmp_path)  # today's models: kind is required

    problems = schema_check.check(tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{name}: incompatible with version in ")
    assert problems[0].endswith("data.kind: newly required; events written before it lack it")
