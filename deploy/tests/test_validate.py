"""The offline manifest checks catch what they claim to; run with `uv run pytest deploy/tests`.

The rendered overlays themselves pass (test_every_overlay_renders_and_passes), and each rule fails on a copy of
the rendered production overlay with one thing broken, so a check that stopped looking would fail here.
"""

import copy
import importlib.util
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location("validate", Path(__file__).parents[1] / "validate.py")
assert _spec is not None and _spec.loader is not None
validate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(validate)

ROOT = Path(__file__).parents[2]
ENV = [{"name": n, "value": "x"} for n in (*validate.REQUIRED_ENV, "EVENTS_DATABASE_URL")]
Docs = list[dict[str, Any]]


def pod(**container: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "events",
        "image": "registry.example.invalid/npd-platform:1.0.0",
        "env": ENV,
        "resources": {"requests": {"cpu": "1", "memory": "1Mi"}, "limits": {"cpu": "1", "memory": "1Mi"}},
        "securityContext": {
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "metadata": {"labels": {"app.kubernetes.io/name": "events"}},
        "spec": {"containers": [base | container], "volumes": [{"name": "tmp", "emptyDir": {}}]},
    }


@pytest.fixture(scope="module")
def kustomize() -> str:
    """The pinned kustomize validate.sh uses (built once, cached outside the repo)."""
    result = subprocess.run(
        ["bash", "deploy/validate.sh", "--kustomize-path"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("overlay", sorted(p.name for p in validate.OVERLAYS.iterdir() if p.is_dir()))
def test_every_overlay_renders_and_passes(kustomize: str, overlay: str) -> None:
    docs = validate.render(kustomize, validate.OVERLAYS / overlay)
    problems, schema_checked = validate.check_overlay(docs, validate.KUBE_VERSIONS, overlay.startswith("production"))
    assert problems == []
    assert schema_checked > 30
    kinds = {d["kind"] for d in docs}
    assert {"Kafka", "KafkaTopic", "KafkaUser", "Cluster", "Deployment", "NetworkPolicy"} <= kinds


@pytest.fixture(scope="module")
def production(kustomize: str) -> Docs:
    docs: Docs = validate.render(kustomize, validate.OVERLAYS / "production")
    return docs


def broken(docs: Docs, kind: str, name: str, change: Callable[[dict[str, Any]], None]) -> Docs:
    docs = copy.deepcopy(docs)
    change(next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name))
    return docs


def problems_of(docs: Docs) -> list[str]:
    # Core schemas are checked once, by validate.sh in the fixture; the rules are what these tests break.
    problems: list[str] = validate.check_overlay(docs, [], production=True)[0]
    return problems


def test_the_rendered_production_overlay_passes_the_rules(production: Docs) -> None:
    assert problems_of(production) == []


def test_a_service_without_a_readiness_probe_fails(production: Docs) -> None:
    def drop(d: dict[str, Any]) -> None:
        del d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]

    assert "events: readinessProbe is not an HTTP GET of /readyz" in problems_of(
        broken(production, "Deployment", "events", drop)
    )


def test_a_service_without_limits_fails(production: Docs) -> None:
    def drop(d: dict[str, Any]) -> None:
        del d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]

    assert "Deployment/benchmark container benchmark: no limits for cpu, memory" in problems_of(
        broken(production, "Deployment", "benchmark", drop)
    )


def test_a_service_running_as_root_fails(production: Docs) -> None:
    def root(d: dict[str, Any]) -> None:
        spec = d["spec"]["template"]["spec"]
        spec["securityContext"]["runAsNonRoot"] = False
        spec["containers"][0]["securityContext"]["runAsNonRoot"] = False

    assert any("runAsNonRoot" in p for p in problems_of(broken(production, "Deployment", "membership", root)))


def test_a_database_too_small_for_every_replica_at_full_pools_fails(production: Docs) -> None:
    def larger_read_pool(d: dict[str, Any]) -> None:
        d["spec"]["template"]["spec"]["containers"][0].setdefault("env", []).append(
            {"name": "EVENTS_READ_POOL_SIZE", "value": "30"}
        )

    problems = problems_of(broken(production, "Deployment", "events", larger_read_pool))
    assert "events: events-db allows 400 connections; 12 replicas with full pools and the spare need 632" in problems


def test_a_topic_in_contracts_without_a_kafka_topic_fails(production: Docs) -> None:
    docs = [d for d in production if not (d["kind"] == "KafkaTopic" and d["metadata"]["name"] == "npd-events-meeting")]
    assert any(
        p.startswith("topic npd.events.meeting is in contracts") and "topics.yaml" in p for p in problems_of(docs)
    )


def test_an_acl_the_code_does_not_need_fails(production: Docs) -> None:
    def grant(d: dict[str, Any]) -> None:
        d["spec"]["authorization"]["acls"].append(
            {
                "resource": {"type": "topic", "name": "npd.membership.contact", "patternType": "literal"},
                "operations": ["Read"],
            }
        )

    problems = problems_of(broken(production, "KafkaUser", "events", grant))
    assert any(p.startswith("KafkaUser/events: grants Read on topic npd.membership.contact") for p in problems)


def test_a_missing_acl_for_a_consumed_topic_names_the_event_and_the_file(production: Docs) -> None:
    def revoke(d: dict[str, Any]) -> None:
        acls = d["spec"]["authorization"]["acls"]
        d["spec"]["authorization"]["acls"] = [a for a in acls if a["resource"]["name"] != "npd.membership.person"]

    problems = problems_of(broken(production, "KafkaUser", "events", revoke))
    missing = [
        p for p in problems if p.startswith("KafkaUser/events: lacks Describe, Read on topic npd.membership.person")
    ]
    assert missing and "it consumes Person" in missing[0] and "deploy/k8s/base/events/kafka-user.yaml" in missing[0]


def test_a_prefix_acl_fails(production: Docs) -> None:
    def prefix(d: dict[str, Any]) -> None:
        d["spec"]["authorization"]["acls"][0]["resource"]["patternType"] = "prefix"

    assert any("prefix ACL" in p for p in problems_of(broken(production, "KafkaUser", "benchmark", prefix)))


def test_the_operator_user_may_only_replay_dead_letters(production: Docs) -> None:
    def widen(d: dict[str, Any]) -> None:
        d["spec"]["authorization"]["acls"].append(
            {"resource": {"type": "group", "name": "notifications", "patternType": "literal"}, "operations": ["Read"]}
        )

    problems = problems_of(broken(production, "KafkaUser", validate.OPERATOR_USER, widen))
    assert any(p.startswith("KafkaUser/npd-operator: grants Read on group notifications") for p in problems)
    expected = validate.operator_acls()
    assert expected[("topic", "npd.membership.person.dlq")] == {"Describe", "Read"}
    assert expected[("topic", "npd.membership.person")] == {"Describe", "Write"}


def test_another_kafka_version_fails(production: Docs) -> None:
    def old(d: dict[str, Any]) -> None:
        d["spec"]["kafka"]["version"] = "4.0.0"

    assert any("Kafka version 4.0.0" in p for p in problems_of(broken(production, "Kafka", "npd-kafka", old)))


def test_an_unknown_field_in_a_custom_resource_fails_its_crd_schema(production: Docs) -> None:
    def typo(d: dict[str, Any]) -> None:
        d["spec"]["storage"]["sise"] = "1Gi"

    problems = problems_of(broken(production, "Cluster", "events-db", typo))
    assert any("cloudnative-pg 1.30.0 CRD schema: spec.storage" in p and "'sise'" in p for p in problems)


def test_crd_schemas_are_strict_but_allow_what_kubernetes_preserves() -> None:
    topic = {"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaTopic", "metadata": {"name": "a"}}
    assert validate.check_custom(topic | {"spec": {"partitions": 3, "config": {"any.kafka.setting": 1}}}) == []
    assert validate.check_custom(topic | {"spec": {"partitionz": 3}})
    assert validate.check_custom(topic | {"spec": {"partitions": "three"}})


def test_every_operator_kind_we_use_has_a_vendored_schema() -> None:
    kinds = {kind for _, kind in validate.crd_validators()}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Cluster", "ScheduledBackup"} <= kinds
    assert {"ScaledObject", "TriggerAuthentication", "ServiceMonitor", "PodMonitor", "PrometheusRule"} <= kinds


def test_a_hardened_pod_passes() -> None:
    assert validate.check_pod("Deployment/events", pod(), {}, set()) == []


def test_a_writable_root_filesystem_is_reported() -> None:
    insecure = pod(
        securityContext={**pod()["spec"]["containers"][0]["securityContext"], "readOnlyRootFilesystem": False}
    )
    assert any("readOnlyRootFilesystem" in p for p in validate.check_pod("Job/x", insecure, {}, set()))


def test_a_latest_image_is_reported() -> None:
    problems = validate.check_pod("Deployment/events", pod(image="npd-platform:latest"), {}, set())
    assert any("no fixed tag" in p for p in problems)


def test_a_missing_database_url_is_reported() -> None:
    problems = validate.check_pod("Deployment/events", pod(env=ENV[:-1]), {}, set())
    assert any("EVENTS_DATABASE_URL" in p for p in problems)


def test_a_secret_nothing_creates_is_reported() -> None:
    ref = {"name": "X", "valueFrom": {"secretKeyRef": {"name": "nowhere", "key": "k"}}}
    problems = validate.check_pod("Deployment/events", pod(env=[*ENV, ref]), {}, set())
    assert any("nowhere" in p for p in problems)


def test_an_unknown_custom_resource_is_reported() -> None:
    doc = {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaUser", "metadata": {"name": "a"}, "spec": {}}
    assert validate.check_shape(doc) == [
        "KafkaUser/a: unknown custom resource kafka.strimzi.io/v1beta2 (no CRD schema in deploy/crds)"
    ]


def test_an_unknown_field_fails_the_schema() -> None:
    doc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}, "spec": {"portz": []}}
    assert validate.check_schema(doc, ["1.34"])


def test_the_front_door_exposing_metrics_fails(production: Docs) -> None:
    def expose(d: dict[str, Any]) -> None:
        d["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/(membership)(/.*)"

    problems = problems_of(broken(production, "Ingress", "npd-platform", expose))
    assert "Ingress/npd-platform: /membership/metrics is exposed (/metrics is internal)" in problems


def test_a_service_api_the_front_door_misses_fails(production: Docs) -> None:
    def drop(d: dict[str, Any]) -> None:
        paths = d["spec"]["rules"][0]["http"]["paths"]
        d["spec"]["rules"][0]["http"]["paths"] = [p for p in paths if "(events)" not in p["path"]]

    problems = problems_of(broken(production, "Ingress", "npd-platform", drop))
    assert any(p.startswith("Ingress/npd-platform: /events/v1/meetings reaches nothing") for p in problems)


def test_any_origin_fails(production: Docs) -> None:
    def anyone(d: dict[str, Any]) -> None:
        d["metadata"]["annotations"]["nginx.ingress.kubernetes.io/cors-allow-origin"] = "*"

    assert "Ingress/npd-platform: CORS allows any origin" in problems_of(
        broken(production, "Ingress", "npd-platform", anyone)
    )


def test_pod_security_below_restricted_fails(production: Docs) -> None:
    def baseline(d: dict[str, Any]) -> None:
        d["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = "baseline"

    assert "Namespace/npd: Pod Security is not enforced at restricted" in problems_of(
        broken(production, "Namespace", "npd", baseline)
    )


def test_production_needs_digests_and_backups(production: Docs) -> None:
    def tag(d: dict[str, Any]) -> None:
        d["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.invalid/npd/npd-platform:0.1.0"

    assert any("not pinned by digest" in p for p in problems_of(broken(production, "Deployment", "events", tag)))
    no_schedule = [d for d in production if not (d["kind"] == "ScheduledBackup" and "events" in d["metadata"]["name"])]
    assert "Cluster/events-db: no ScheduledBackup" in problems_of(no_schedule)

    def no_backup(d: dict[str, Any]) -> None:
        del d["spec"]["backup"]

    assert "Cluster/benchmark-db: no backup with a retention policy" in problems_of(
        broken(production, "Cluster", "benchmark-db", no_backup)
    )
