"""The offline manifest checks catch what they claim to; run with `uv run pytest deploy/tests`."""

import importlib.util
from pathlib import Path
from typing import Any

_spec = importlib.util.spec_from_file_location("validate", Path(__file__).parents[1] / "validate.py")
assert _spec is not None and _spec.loader is not None
validate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(validate)

ENV = [{"name": n, "value": "x"} for n in (*validate.REQUIRED_ENV, "EVENTS_DATABASE_URL")]


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
    doc = {"apiVersion": "kafka.strimzi.io/v1beta3", "kind": "KafkaUser", "metadata": {"name": "a"}, "spec": {}}
    assert validate.check_shape(doc) == ["KafkaUser/a: unknown custom resource kafka.strimzi.io/v1beta3"]


def test_an_unknown_field_fails_the_schema() -> None:
    doc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}, "spec": {"portz": []}}
    assert validate.check_schema(doc, ["1.31"])


def test_a_kafka_user_reaching_past_its_topics_is_reported() -> None:
    kafka = {"kind": "Kafka", "metadata": {"name": "k"}, "spec": {}}
    topics = [
        {
            "kind": "KafkaTopic",
            "metadata": {"name": n, "labels": {"strimzi.io/cluster": "k"}},
            "spec": {"partitions": p},
        }
        for n, p in validate.expected_topics().items()
    ]
    acls = [
        {"resource": {"type": "topic", "name": "npd.", "patternType": "prefix"}, "operations": ["Read"]},
        {"resource": {"type": "group", "name": "other"}, "operations": ["Read"]},
    ]
    user = {
        "kind": "KafkaUser",
        "metadata": {"name": "events", "labels": {"strimzi.io/cluster": "k"}},
        "spec": {"authorization": {"acls": acls}},
    }
    problems = validate.check_kafka([kafka, *topics, user])
    assert len(problems) == 2
