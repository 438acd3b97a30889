"""Render every Kustomize overlay and check it offline: Kubernetes schemas for core kinds, the operators' CRD
schemas (vendored in deploy/crds) for custom resources, and our rules for all."""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

Doc = dict[str, Any]

DEPLOY = Path(__file__).resolve().parent
OVERLAYS = DEPLOY / "k8s" / "overlays"
SERVICES = ("membership", "events", "benchmark", "notifications")
CRDS = DEPLOY / "crds"
# The Kubernetes releases the manifests are for (and the operators below support): a field must exist in both.
KUBE_VERSIONS = ("1.34", "1.36")
# The operators' releases whose CRD schemas are vendored in deploy/crds (sources.json says from where).
OPERATOR_VERSIONS = {"strimzi": "1.2.0", "cloudnative-pg": "1.30.0", "keda": "2.20.2", "prometheus-operator": "0.93.0"}
# Kafka as run by that Strimzi release (it supports 4.2.0 to 4.3.1), and by `make run` locally.
KAFKA_VERSION = "4.3.1"


def structural(node: Any) -> Any:
    """A Kubernetes structural schema as plain JSON Schema, strict the way the API server is with
    `--validate=strict`: an object's fields are only those it declares, unless it says
    x-kubernetes-preserve-unknown-fields (or is a map, with additionalProperties). CEL rules
    (x-kubernetes-validations) are not evaluated here."""
    if not isinstance(node, dict):
        return node
    out = {k: v for k, v in node.items() if k != "x-kubernetes-validations"}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: structural(v) for k, v in out["properties"].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(out.get(key), dict):
            out[key] = structural(out[key])
    for key in ("anyOf", "allOf", "oneOf"):
        if isinstance(out.get(key), list):
            out[key] = [structural(s) for s in out[key]]
    if out.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if out.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    preserved = out.get("x-kubernetes-preserve-unknown-fields") or out.get("x-kubernetes-embedded-resource")
    if out.get("type") == "object" and "additionalProperties" not in out and not preserved:
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_validators() -> dict[tuple[str, str], tuple[str, jsonschema.protocols.Validator]]:
    """(apiVersion, kind) -> a validator of the vendored CRD schema, for every custom resource we may render."""
    validators = {}
    for path in sorted(CRDS.glob("*/*.json")):
        crd = json.loads(path.read_text())
        schema = structural(crd["schema"])
        # metadata is checked by Kubernetes itself (ObjectMeta), not by the CRD.
        schema.setdefault("properties", {})["metadata"] = {"type": "object"}
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
        operator = path.parent.name
        validators[(f"{crd['group']}/{crd['version']}", crd["kind"])] = (operator, cls(schema))
    return validators


REQUIRED_ENV = (
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "OIDC_ISSUER",
    "OIDC_AUDIENCE",
    "OIDC_JWKS_URL",
)


def expected_topics() -> dict[str, int]:
    """Topic name -> partitions, from contracts/ when it is importable, else the fixed list."""
    try:
        from npd_contracts.topics import topic_specs
    except ImportError:
        specs = [("npd.membership.organisation", 3), ("npd.membership.person", 12), ("npd.events.meeting", 12)]
        specs += [("npd.benchmark.submission", 12)]
        return dict(specs + [(f"{n}.dlq", 3) for n, _ in specs])
    return dict(topic_specs())


def connections_per_replica(container: Doc) -> int:
    """PostgreSQL connections one replica may hold: the engine's pool, the pool for reads (its size from the
    container's environment, else the runtime's default) and the relay's one connection."""
    engine_pool, read_pool = 20, 10
    try:
        import inspect

        from npd_runtime.db import create_engine
        from npd_runtime.settings import ServiceSettings
    except ImportError:
        pass
    else:
        engine_pool = inspect.signature(create_engine).parameters["pool_size"].default
        read_pool = ServiceSettings.model_fields["read_pool_size"].default
    for env in container.get("env", []):
        if env.get("name", "").endswith("_READ_POOL_SIZE") and "value" in env:
            read_pool = int(env["value"])
    return engine_pool + read_pool + 1


# Connections a database keeps for the migration Job, operators and CloudNativePG's own.
SPARE_CONNECTIONS = 20


# The user an operator runs `npd-dlq` (list, replay) as: it reads every dead-letter topic and writes back
# to the original topics, with no consumer group (the tool reads without one and commits nothing).
OPERATOR_USER = "npd-operator"
Acls = dict[tuple[str, str], set[str]]  # (resource type, name) -> operations


def service_spec(name: str) -> Any:
    """The ServiceSpec of a service as its main module builds it (settings are not read from the environment)."""
    import importlib
    import typing

    main = importlib.import_module(f"npd_{name}.main")
    settings_class = typing.get_type_hints(main.spec)["settings"]
    settings = settings_class.model_construct(
        database_url="postgresql+asyncpg://validate/validate",
        oidc_issuer="https://issuer.invalid",
        oidc_jwks_url="https://issuer.invalid/jwks",
    )
    return main.spec(settings)


@functools.cache
def expected_acls(name: str) -> tuple[Acls, dict[tuple[str, str], str]]:
    """The ACLs a service needs, from its code: Write on the topics of the events it publishes, Read on the
    topics it consumes, Write on their dead-letter topics (its consumer dead-letters there), Read on its own
    consumer group (named after the service). Describe on every topic it touches. With why, per resource."""
    from npd_contracts.topics import dead_letter_topic

    spec = service_spec(name)
    acls: Acls = {}
    why: dict[tuple[str, str], str] = {}

    def need(kind: str, resource: str, operations: set[str], reason: str) -> None:
        acls.setdefault((kind, resource), set()).update(operations)
        why.setdefault((kind, resource), reason)

    for event in spec.publishes:
        need("topic", event.TOPIC.name, {"Describe", "Write"}, f"it publishes {event.__name__}")
    for event in spec.consumes:
        need("topic", event.TOPIC.name, {"Describe", "Read"}, f"it consumes {event.__name__}")
        need("topic", dead_letter_topic(event.TOPIC.name), {"Describe", "Write"}, f"it dead-letters {event.__name__}")
    if spec.consumes:
        need("group", spec.name, {"Read"}, "its consumer group")
    return acls, why


def operator_acls() -> Acls:
    from npd_contracts.topics import ALL_TOPICS

    acls: Acls = {}
    for topic in ALL_TOPICS:
        acls[("topic", topic.dead_letter)] = {"Describe", "Read"}
        acls[("topic", topic.name)] = {"Describe", "Write"}
    return acls


def declared_acls(user: Doc) -> tuple[Acls, list[str]]:
    acls: Acls = {}
    problems = []
    for acl in user["spec"].get("authorization", {}).get("acls", []):
        res = acl["resource"]
        if res.get("patternType", "literal") != "literal":
            problems.append(f"KafkaUser/{user['metadata']['name']}: {res['patternType']} ACL on {res.get('name')}")
        if acl.get("type", "allow") != "allow":
            problems.append(f"KafkaUser/{user['metadata']['name']}: a deny ACL on {res.get('name')}")
        acls.setdefault((res["type"], res.get("name", "*")), set()).update(acl.get("operations", []))
    return acls, problems


def compare_acls(user: str, declared: Acls, expected: Acls, why: dict[tuple[str, str], str], where: str) -> list[str]:
    """Every difference between the ACLs in the manifests and what the code needs, saying what to change."""
    problems = []
    for key in sorted(set(declared) | set(expected)):
        kind, resource = key
        missing = expected.get(key, set()) - declared.get(key, set())
        extra = declared.get(key, set()) - expected.get(key, set())
        if missing:
            reason = why.get(key, "")
            problems.append(
                f"KafkaUser/{user}: lacks {', '.join(sorted(missing))} on {kind} {resource} ({reason}): "
                f"add it to {where}"
            )
        if extra:
            problems.append(
                f"KafkaUser/{user}: grants {', '.join(sorted(extra))} on {kind} {resource}, which the code does not "
                f"need: remove it from {where}"
            )
    return problems


def acl_yaml(acls: Acls) -> str:
    """The acls: list of a KafkaUser for these ACLs (`validate.py --acls SERVICE` prints it)."""
    order = {"Describe": 0, "Read": 1, "Write": 2}
    lines = []
    for (kind, resource), ops in sorted(acls.items(), key=lambda kv: (kv[0][0] != "topic", kv[0][1])):
        lines += [
            "      - resource:",
            f"          type: {kind}",
            f"          name: {resource}",
            "          patternType: literal",
            f"        operations: [{', '.join(sorted(ops, key=order.__getitem__))}]",
        ]
    return "\n".join(lines)


def check_acls(docs: list[Doc]) -> list[str]:
    """Each service's KafkaUser grants exactly what its code needs, and the operator user exactly its own."""
    users = by_name(docs, "KafkaUser")
    problems = []
    for name in SERVICES:
        if name not in users:
            continue
        declared, shape = declared_acls(users[name])
        expected, why = expected_acls(name)
        where = f"deploy/k8s/base/{name}/kafka-user.yaml (python deploy/validate.py --acls {name} prints the list)"
        problems += shape + compare_acls(name, declared, expected, why, where)
    if OPERATOR_USER not in users:
        problems.append(f"no KafkaUser {OPERATOR_USER} for replaying dead letters")
    else:
        declared, shape = declared_acls(users[OPERATOR_USER])
        expected = operator_acls()
        why = {k: "npd-dlq list/replay" for k in expected}
        where = f"deploy/k8s/base/kafka/operator-user.yaml (python deploy/validate.py --acls {OPERATOR_USER})"
        problems += shape + compare_acls(OPERATOR_USER, declared, expected, why, where)
    return problems


def render(kustomize: str, overlay: Path) -> list[Doc]:
    result = subprocess.run([kustomize, "build", str(overlay)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"kustomize build failed: {result.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


def kind_of(doc: Doc) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def of_kind(docs: Iterable[Doc], kind: str) -> Iterator[Doc]:
    return (d for d in docs if d.get("kind") == kind)


def by_name(docs: Iterable[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in of_kind(docs, kind)}


def is_core(api_version: str) -> bool:
    group = api_version.rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def check_shape(doc: Doc) -> list[str]:
    if not isinstance(doc, dict):
        return [f"a document is not a mapping: {doc!r:.60}"]
    meta = doc.get("metadata")
    problems = [f"{kind_of(doc)}: missing {key}" for key in ("apiVersion", "kind") if not doc.get(key)]
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        problems.append(f"{kind_of(doc)}: missing metadata.name")
    if not is_core(str(doc.get("apiVersion", ""))):
        if (doc.get("apiVersion"), doc.get("kind")) not in crd_validators():
            problems.append(
                f"{kind_of(doc)}: unknown custom resource {doc.get('apiVersion')} (no CRD schema in deploy/crds)"
            )
        if not isinstance(doc.get("spec"), dict):
            problems.append(f"{kind_of(doc)}: custom resource without a spec")
    return problems


def check_schema(doc: Doc, versions: Iterable[str]) -> list[str]:
    problems = []
    for version in versions:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            path = ".".join(str(p) for p in e.path)
            problems.append(f"{kind_of(doc)}: Kubernetes {version} schema: {path}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{kind_of(doc)}: no Kubernetes {version} schema for {doc['apiVersion']}")
    return problems


def check_custom(doc: Doc) -> list[str]:
    """A custom resource against its operator's CRD schema (unknown fields fail)."""
    operator, validator = crd_validators()[(doc["apiVersion"], doc["kind"])]
    problems = []
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(p) for p in error.absolute_path) or "(root)"
        problems.append(f"{kind_of(doc)}: {operator} {OPERATOR_VERSIONS[operator]} CRD schema: {path}: {error.message}")
    return problems


def check_pod(owner: str, pod: Doc, config: dict[str, set[str]], secrets: set[str]) -> list[str]:
    """Security, resources and environment rules shared by Deployments and migration Jobs."""
    spec = pod.get("spec", {})
    service = str(pod.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/name"))
    pod_sc = spec.get("securityContext", {})
    tmp_volumes = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
    problems = []
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        where = f"{owner} container {c.get('name')}"
        sc = c.get("securityContext", {})
        if not sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")):
            problems.append(f"{where}: runAsNonRoot is not true")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            problems.append(f"{where}: capabilities do not drop ALL")
        seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {}))
        if seccomp.get("type") != "RuntimeDefault":
            problems.append(f"{where}: seccompProfile is not RuntimeDefault")
        if not any(m["mountPath"] == "/tmp" and m["name"] in tmp_volumes for m in c.get("volumeMounts", [])):
            problems.append(f"{where}: /tmp is not an emptyDir")
        resources = c.get("resources", {})
        for part in ("requests", "limits"):
            missing = {"cpu", "memory"} - set(resources.get(part, {}))
            if missing:
                problems.append(f"{where}: no {part} for {', '.join(sorted(missing))}")
        image = str(c.get("image", ""))
        if "@sha256:" not in image and (":" not in image.rpartition("/")[2] or image.endswith(":latest")):
            problems.append(f"{where}: image {image!r} has no fixed tag")
        problems += check_env(where, service, c, config, secrets)
    return problems


def check_env(where: str, service: str, container: Doc, config: dict[str, set[str]], secrets: set[str]) -> list[str]:
    """The settings every service reads are set, and every Secret read is one that will exist."""
    names = {e["name"] for e in container.get("env", [])}
    problems = []
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef", {}).get("name")
        if ref is not None and ref not in config:
            problems.append(f"{where}: envFrom ConfigMap {ref} is not rendered")
        names |= config.get(ref, set())
    for name in (*REQUIRED_ENV, f"{service.upper()}_DATABASE_URL"):
        if name not in names:
            problems.append(f"{where}: environment lacks {name}")
    for e in container.get("env", []):
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref and ref["name"] not in secrets:
            problems.append(f"{where}: {e['name']} reads Secret {ref['name']}, which nothing creates")
    return problems


# Secrets no manifest may hold (credentials of outside systems, signing keys): the operator creates them
# before deploying, as docs/runbook.md (Secrets) says.
OPERATOR_SECRETS = frozenset({"notifications-mail"})


def created_secrets(docs: list[Doc]) -> set[str]:
    """Secrets rendered here, written by the operators for the resources rendered here, or created by hand."""
    secrets = {d["metadata"]["name"] for d in of_kind(docs, "Secret")} | OPERATOR_SECRETS
    secrets |= {d["metadata"]["name"] for d in of_kind(docs, "KafkaUser")}
    secrets |= {f"{d['metadata']['name']}-app" for d in of_kind(docs, "Cluster")}
    secrets |= {f"{d['metadata']['name']}-cluster-ca-cert" for d in of_kind(docs, "Kafka")}
    return secrets


def selects(selector: Doc, labels: Doc) -> bool:
    wanted = selector.get("matchLabels", selector)
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def check_service(name: str, docs: list[Doc]) -> list[str]:
    """Each service has its Deployment, Service, autoscaler, PDB, migration Job, Kafka user and database."""
    deployment = by_name(docs, "Deployment").get(name)
    if deployment is None:
        return [f"{name}: no Deployment"]
    template = deployment["spec"]["template"]
    labels = template["metadata"].get("labels", {})
    container = template["spec"]["containers"][0]
    problems = []
    if container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
        problems.append(f"{name}: livenessProbe is not an HTTP GET of /healthz")
    if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
        problems.append(f"{name}: readinessProbe is not an HTTP GET of /readyz")
    annotations = template["metadata"].get("annotations", {})
    if annotations.get("prometheus.io/scrape") != "true" or annotations.get("prometheus.io/path") != "/metrics":
        problems.append(f"{name}: pods lack the Prometheus scrape annotations")
    if not any(selects(s["spec"].get("selector", {}), labels) for s in of_kind(docs, "Service")):
        problems.append(f"{name}: no Service selects its pods")
    if not any(selects(p["spec"]["selector"], labels) for p in of_kind(docs, "PodDisruptionBudget")):
        problems.append(f"{name}: no PodDisruptionBudget covers its pods")
    autoscalers = [
        d
        for d in (*of_kind(docs, "HorizontalPodAutoscaler"), *of_kind(docs, "ScaledObject"))
        if d["spec"]["scaleTargetRef"].get("name") == name
    ]
    if len(autoscalers) != 1:
        problems.append(f"{name}: {len(autoscalers)} autoscalers (HPA or KEDA ScaledObject), want 1")
    # Past the partitions of the busiest topic, a replica would get none of them (a topic with few
    # partitions carries little: decision 129).
    partitions = max(expected_topics().values())
    cluster = by_name(docs, "Cluster").get(f"{name}-db")
    limit = cluster and cluster["spec"].get("postgresql", {}).get("parameters", {}).get("max_connections")
    for a in autoscalers:
        high = a["spec"].get("maxReplicas", a["spec"].get("maxReplicaCount", 0))
        if high > partitions:
            problems.append(f"{name}: scales to {high} replicas, past the {partitions} partitions of the busiest topic")
        # Every replica at its pools' full size, with room for the migration Job and operators.
        needed = high * connections_per_replica(container) + SPARE_CONNECTIONS
        if limit is not None and int(limit) < needed:
            problems.append(
                f"{name}: {name}-db allows {limit} connections; {high} replicas with full pools and the spare "
                f"need {needed}"
            )
    job = by_name(docs, "Job").get(f"{name}-migrate")
    command = job and job["spec"]["template"]["spec"]["containers"][0].get("command", [])
    if command != ["alembic", "-c", f"services/{name}/alembic.ini", "upgrade", "head"]:
        problems.append(f"{name}: no Job {name}-migrate running alembic upgrade head")
    if name not in by_name(docs, "KafkaUser"):
        problems.append(f"{name}: no KafkaUser")
    if f"{name}-db" not in by_name(docs, "Cluster"):
        problems.append(f"{name}: no CloudNativePG Cluster {name}-db")
    return problems


def check_kafka_cluster(kafka: Doc) -> list[str]:
    """The version we run locally, rack awareness, and the metrics the alerts and dashboards read."""
    spec, where = kafka["spec"], kind_of(kafka)
    problems = []
    if spec["kafka"].get("version") != KAFKA_VERSION:
        problems.append(f"{where}: Kafka version {spec['kafka'].get('version')}, want {KAFKA_VERSION}")
    if spec["kafka"].get("rack", {}).get("topologyKey") != "topology.kubernetes.io/zone":
        problems.append(f"{where}: no rack awareness by topology.kubernetes.io/zone")
    if "metricsConfig" not in spec["kafka"]:
        problems.append(f"{where}: broker metrics (spec.kafka.metricsConfig) not enabled")
    if "kafkaExporter" not in spec:
        problems.append(f"{where}: no Kafka Exporter (consumer lag metrics)")
    return problems


def check_kafka(docs: list[Doc]) -> list[str]:
    clusters = set(by_name(docs, "Kafka"))
    problems = [] if len(clusters) == 1 else [f"{len(clusters)} Kafka clusters, want 1"]
    problems += [p for k in of_kind(docs, "Kafka") for p in check_kafka_cluster(k)]
    for kind in ("KafkaNodePool", "KafkaTopic", "KafkaUser"):
        for d in of_kind(docs, kind):
            if d["metadata"].get("labels", {}).get("strimzi.io/cluster") not in clusters:
                problems.append(f"{kind_of(d)}: strimzi.io/cluster names no rendered Kafka")
    topics = {
        t["spec"].get("topicName", t["metadata"]["name"]): t["spec"].get("partitions")
        for t in of_kind(docs, "KafkaTopic")
    }
    expected = expected_topics()
    for topic in sorted(set(topics) | set(expected)):
        have, want = topics.get(topic), expected.get(topic)
        if have is None:
            problems.append(
                f"topic {topic} is in contracts (npd_contracts.topics) but has no KafkaTopic: add one with "
                f"{want} partitions to deploy/k8s/base/kafka/topics.yaml"
            )
        elif want is None:
            problems.append(f"KafkaTopic {topic} is not in contracts (npd_contracts.topics): remove it or add it there")
        elif have != want:
            problems.append(f"topic {topic}: {have} partitions in its KafkaTopic, {want} in contracts")
    return problems + check_acls(docs)


@functools.cache
def api_paths(name: str) -> tuple[str, ...]:
    """The paths a service serves (its OpenAPI document), as the app builds them."""
    import importlib

    app = importlib.import_module(f"npd_{name}.main").create_app(service_spec(name).settings)
    return tuple(sorted(app.openapi()["paths"]))


# Served by every service, never to the internet (unless an operator chooses to): metrics, status,
# the API documents and the AsyncAPI page.
INTERNAL = ("/metrics", "/status", "/docs", "/redoc", "/openapi.json", "/asyncapi", "/asyncapi.json", "/healthz")


def check_ingress(docs: list[Doc]) -> list[str]:
    """The front door routes each service's /v1 API under /<service>, over TLS, and nothing internal."""
    import re

    ingresses = list(of_kind(docs, "Ingress"))
    if len(ingresses) != 1:
        return [f"{len(ingresses)} Ingresses, want 1 (the front door, deploy/k8s/base/ingress)"]
    ingress = ingresses[0]
    routes = [
        (re.compile(p["path"]), p["backend"]["service"]["name"])
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    ]
    problems = [] if ingress["spec"].get("tls") else ["Ingress/npd-platform: no TLS"]
    annotations = ingress["metadata"].get("annotations", {})
    if annotations.get("nginx.ingress.kubernetes.io/cors-allow-origin", "*") in ("*", ""):
        problems.append("Ingress/npd-platform: CORS allows any origin")
    for key in ("proxy-body-size", "limit-rps"):
        if f"nginx.ingress.kubernetes.io/{key}" not in annotations:
            problems.append(f"Ingress/npd-platform: no {key}")
    for name in SERVICES:
        for path in api_paths(name):
            url = f"/{name}" + re.sub(r"\{[^}]+\}", "x", path)
            reached = {backend for pattern, backend in routes if pattern.fullmatch(url)}
            if path.startswith("/v1/") and reached != {name}:
                problems.append(f"Ingress/npd-platform: {url} reaches {sorted(reached) or 'nothing'}, want {name}")
            if path.startswith(INTERNAL) and reached:
                problems.append(f"Ingress/npd-platform: {url} is exposed ({path} is internal)")
    return problems


def check_pod_security(docs: list[Doc]) -> list[str]:
    return [
        f"{kind_of(ns)}: Pod Security is not enforced at restricted"
        for ns in of_kind(docs, "Namespace")
        if ns["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") != "restricted"
    ]


def check_production(docs: list[Doc]) -> list[str]:
    """Production only: images pinned by digest, every database backed up on a schedule."""
    problems = []
    for d in (*of_kind(docs, "Deployment"), *of_kind(docs, "Job")):
        for c in d["spec"]["template"]["spec"]["containers"]:
            if "@sha256:" not in c["image"]:
                problems.append(f"{kind_of(d)}: image {c['image']} is not pinned by digest")
    scheduled = {b["spec"]["cluster"]["name"] for b in of_kind(docs, "ScheduledBackup")}
    for cluster in of_kind(docs, "Cluster"):
        name = cluster["metadata"]["name"]
        if not cluster["spec"].get("backup", {}).get("retentionPolicy"):
            problems.append(f"Cluster/{name}: no backup with a retention policy")
        if name not in scheduled:
            problems.append(f"Cluster/{name}: no ScheduledBackup")
        if "@sha256:" not in cluster["spec"].get("imageName", ""):
            problems.append(f"Cluster/{name}: PostgreSQL image not pinned by digest (spec.imageName)")
    return problems


def check_network(docs: list[Doc]) -> list[str]:
    for policy in of_kind(docs, "NetworkPolicy"):
        spec = policy["spec"]
        if spec.get("podSelector") == {} and "Ingress" in spec.get("policyTypes", []) and not spec.get("ingress"):
            return []
    return ["no default-deny ingress NetworkPolicy"]


def check_unique(docs: list[Doc]) -> list[str]:
    seen: set[tuple[str, str, str, str]] = set()
    problems = []
    for d in docs:
        key = (d["apiVersion"].rpartition("/")[0], d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"])
        if key in seen:
            problems.append(f"{kind_of(d)}: defined twice")
        seen.add(key)
    return problems


def check_overlay(docs: list[Doc], versions: Iterable[str], production: bool = False) -> tuple[list[str], int]:
    """All problems of one rendered overlay, and how many objects were schema-checked."""
    problems = [p for d in docs for p in check_shape(d)]
    core = [d for d in docs if is_core(str(d.get("apiVersion", "")))]
    if problems:
        return problems, 0
    problems += [p for d in core for p in check_schema(d, versions)]
    problems += [p for d in docs if not is_core(str(d["apiVersion"])) for p in check_custom(d)]
    config = {c["metadata"]["name"]: set(c.get("data", {})) for c in of_kind(docs, "ConfigMap")}
    secrets = created_secrets(docs)
    for d in (*of_kind(docs, "Deployment"), *of_kind(docs, "Job")):
        problems += check_pod(kind_of(d), d["spec"]["template"], config, secrets)
    for name in SERVICES:
        problems += check_service(name, docs)
    problems += check_kafka(docs) + check_network(docs) + check_unique(docs)
    problems += check_ingress(docs) + check_pod_security(docs)
    if production:
        problems += check_production(docs)
    return problems, len(core)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kustomize", default="kustomize", help="kustomize binary")
    parser.add_argument("--kube-version", action="append", help=f"default: {' '.join(KUBE_VERSIONS)}")
    parser.add_argument("--acls", metavar="USER", help="print the ACLs the code needs for a KafkaUser, and stop")
    parser.add_argument("overlays", nargs="*", type=Path, help="default: every deploy/k8s/overlays/*")
    args = parser.parse_args()
    if args.acls:
        print(acl_yaml(operator_acls() if args.acls == OPERATOR_USER else expected_acls(args.acls)[0]))
        return 0
    versions = args.kube_version or KUBE_VERSIONS
    overlays = args.overlays or sorted(p for p in OVERLAYS.iterdir() if (p / "kustomization.yaml").exists())
    failed = 0
    for overlay in overlays:
        started = time.monotonic()
        try:
            docs = render(args.kustomize, overlay)
            problems, schema_checked = check_overlay(docs, versions, overlay.name.startswith("production"))
        except (RuntimeError, yaml.YAMLError, KeyError, TypeError, AttributeError) as e:
            docs, problems, schema_checked = [], [f"{type(e).__name__}: {e}"], 0
        where = overlay.resolve()
        label = where.relative_to(DEPLOY.parent) if where.is_relative_to(DEPLOY.parent) else where
        verdict = "FAIL" if problems else "ok"
        print(
            f"{verdict:4} {label}: {len(docs)} objects, {schema_checked} checked against Kubernetes "
            f"{'/'.join(versions)} schemas, {len(docs) - schema_checked} against CRD schemas; "
            f"{len(problems)} problems ({time.monotonic() - started:.1f}s)"
        )
        for problem in problems:
            print(f"     - {problem}")
        failed += bool(problems)
    print(f"validate: {len(overlays) - failed} passed, {failed} failed")
    return 1 if failed or not overlays else 0


if __name__ == "__main__":
    sys.exit(main())
