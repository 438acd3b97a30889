"""`python -m npd_contracts.schema_check [--write]`: keep contracts/schemas/ true and compatible.

Fails when a committed schema is stale (differs from what the models generate), when an event type
disappears, or when a schema changed incompatibly with any version of it in git history.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from npd_contracts.compat import breaking_changes
from npd_contracts.schemas import all_schemas, render

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def historical_versions(path: Path) -> list[tuple[str, str]]:
    """(commit, text) of every committed version of `path`, newest first; empty outside git."""
    repo = path.parent
    rel = path.name
    try:
        log = subprocess.run(
            ["git", "log", "--format=%H", "--", rel], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.split()
        top = subprocess.run(
            ["git", "rev-parse", "--show-prefix"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return []
    versions = []
    for commit in log:
        shown = subprocess.run(["git", "show", f"{commit}:{top}{rel}"], cwd=repo, capture_output=True, text=True)
        if shown.returncode == 0:
            versions.append((commit[:10], shown.stdout))
    return versions


def check(schema_dir: Path) -> list[str]:
    problems: list[str] = []
    generated = all_schemas()
    committed = {p.name for p in schema_dir.glob("*.json")}
    for name in sorted(committed - set(generated)):
        problems.append(f"{name}: committed schema has no model any more; event types are never removed")
    for name, schema in generated.items():
        path = schema_dir / name
        if not path.exists():
            problems.append(f"{name}: not committed; run `make schemas`")
            continue
        if path.read_text() != render(schema):
            problems.append(f"{name}: stale; the model changed, run `make schemas` and commit")
        for commit, text in historical_versions(path):
            for reason in breaking_changes(json.loads(text), schema):
                problems.append(f"{name}: incompatible with version in {commit}: {reason}")
    return problems


def write(schema_dir: Path) -> None:
    schema_dir.mkdir(parents=True, exist_ok=True)
    for name, schema in all_schemas().items():
        (schema_dir / name).write_text(render(schema))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="regenerate the committed schemas")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR)
    args = parser.parse_args(argv)
    if args.write:
        write(args.dir)
    problems = check(args.dir)
    for problem in problems:
        print(f"schema check: {problem}", file=sys.stderr)
    if not problems:
        print(f"schema check: {len(all_schemas())} event schemas are current and compatible")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
