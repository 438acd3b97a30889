"""The monitoring manifests are what the generator writes, their rules fire when they should (promtool), and
every metric a rule or dashboard names is exported by the services' code or by a listed exporter."""

import importlib
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).parents[1]
MONITORING = DEPLOY / "k8s" / "base" / "monitoring"
_spec = importlib.util.spec_from_file_location("generate", DEPLOY / "monitoring" / "generate.py")
assert _spec is not None and _spec.loader is not None
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}
_KEYWORDS |= {"inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (a small lexer: enough for the expressions we write)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings (label values, label_replace arguments)
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges and subqueries
    expr = re.sub(r"\boffset\s+-?\w+", "", expr)  # offset durations
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)  # label lists
    expr = re.sub(r"(?<![\w.])\d+(\.\d+)?([eE][+-]?\d+)?", "", expr)  # numbers
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        following = expr[m.end() :].lstrip()
        if following.startswith("(") or m.group().lower() in _KEYWORDS:
            continue  # a function or aggregation, or a keyword
        names.add(m.group())
    return names


def exported_by_services() -> set[str]:
    """Every series name the services' /metrics can show: their apps' registries, built as the apps build them."""
    names: set[str] = set()
    for service in generate.SERVICES:
        main = importlib.import_module(f"npd_{service}.main")
        settings = generate.validate.service_spec(service).settings
        app = main.create_app(settings)
        for family in app.state.metrics.registry.collect():
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(family.type, [""])
            names |= {family.name + s for s in suffixes}
    return names


def external() -> set[str]:
    lists = yaml.safe_load((DEPLOY / "monitoring" / "external-metrics.yaml").read_text())
    return {name for names in lists.values() for name in names}


def rules() -> dict[str, Any]:
    docs = list(yaml.safe_load_all((MONITORING / "rules.yaml").read_text()))
    return {"groups": [g for d in docs for g in d["spec"]["groups"]]}


def dashboard_exprs() -> dict[str, list[str]]:
    return {
        p.name: [t["expr"] for panel in json.loads(p.read_text())["panels"] for t in panel["targets"]]
        for p in sorted((MONITORING / "dashboards").glob("*.json"))
    }


def test_the_committed_monitoring_files_are_generated() -> None:
    assert generate.main(["--check"]) == 0


def test_there_is_a_dashboard_per_service_and_one_for_the_platform() -> None:
    assert set(dashboard_exprs()) == {f"npd-{s}.json" for s in (*generate.SERVICES, "platform")}
    kustomization = (MONITORING / "kustomization.yaml").read_text()
    assert all(f"dashboards/{name}" in kustomization for name in dashboard_exprs())


def test_the_lexer_finds_metrics_and_skips_the_rest() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le) (rate(a_bucket{job="x",route!~"/m|/h"}[5m]))) > 0.5'
        ' and on() sum(up{job="x"}) or vector(0) - time() < 30 * 86400 / b_total offset 5m'
    )
    assert metric_names(expr) == {"a_bucket", "up", "b_total"}


def test_every_metric_in_rules_and_dashboards_is_exported() -> None:
    known = exported_by_services() | external()
    assert "npd_events_outbox_relay_active" in known and "npd_events_http_request_duration_seconds_bucket" in known
    used = {f"rule {r['alert']}": metric_names(r["expr"]) for g in rules()["groups"] for r in g["rules"]}
    for name, exprs in dashboard_exprs().items():
        for i, expr in enumerate(exprs):
            used[f"dashboard {name} query {i + 1}"] = metric_names(expr)
    unknown = {where: sorted(names - known) for where, names in used.items() if names - known}
    assert unknown == {}, "metrics nobody exports (npd_runtime.metrics, deploy/monitoring/external-metrics.yaml)"
    # Each listed external metric is used somewhere, so the list cannot hide a stale name for long.
    assert external() - set().union(*used.values()) == set()


def test_a_metric_nobody_exports_is_caught() -> None:
    known = exported_by_services() | external()
    assert metric_names("sum(rate(npd_events_http_requests_total[5m]))") - known == {"npd_events_http_requests_total"}


@pytest.fixture(scope="module")
def promtool() -> str:
    result = subprocess.run(
        ["bash", str(DEPLOY / "monitoring" / "promtool.sh")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_rules_and_dashboard_queries_parse(promtool: str, tmp_path: Path) -> None:
    # Dashboard queries as recording rules, so promtool parses them too.
    recorded = [
        {"record": f"dashboard:{name.removesuffix('.json').replace('-', '_')}:{i}", "expr": expr}
        for name, exprs in dashboard_exprs().items()
        for i, expr in enumerate(exprs)
    ]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules()))
    (tmp_path / "dashboards.yaml").write_text(yaml.safe_dump({"groups": [{"name": "d", "rules": recorded}]}))
    result = subprocess.run(
        [promtool, "check", "rules", "rules.yaml", "dashboards.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_fire_when_they_should(promtool: str, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules()))
    shutil.copy(DEPLOY / "monitoring" / "rules-test.yaml", tmp_path / "rules-test.yaml")
    result = subprocess.run(
        [promtool, "test", "rules", "rules-test.yaml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_a_broken_rule_fails_its_promtool_test(promtool: str, tmp_path: Path) -> None:
    broken = rules()
    for group in broken["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "NpdRelayNotActive":
                rule["expr"] = rule["expr"].replace("< 1", "< 0")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(broken))
    shutil.copy(DEPLOY / "monitoring" / "rules-test.yaml", tmp_path / "rules-test.yaml")
    result = subprocess.run(
        [promtool, "test", "rules", "rules-test.yaml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "NpdRelayNotActive" in result.stdout + result.stderr
