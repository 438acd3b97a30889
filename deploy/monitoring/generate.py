"""Write the monitoring manifests: a ServiceMonitor per service, PodMonitors for Kafka and PostgreSQL, the
alert rules (PrometheusRule) and the Grafana dashboards (JSON, one per service and one for the platform).

    python deploy/monitoring/generate.py          # writes deploy/k8s/base/monitoring/
    python deploy/monitoring/generate.py --check  # exits 1 if the committed files differ (deploy/tests)

Generated, not written by hand, because every service exports the same metrics under its own prefix
(npd_<service>_..., npd_runtime.metrics) and consumes or not according to its ServiceSpec: a service that
starts consuming gets its lag and dead-letter alerts by running this again.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[1]
OUT = DEPLOY / "k8s" / "base" / "monitoring"
_spec = importlib.util.spec_from_file_location("validate", DEPLOY / "validate.py")
assert _spec is not None and _spec.loader is not None
validate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(validate)

SERVICES: tuple[str, ...] = validate.SERVICES
KAFKA = "npd-kafka"
# Routes that are not the API: probes and scrapes are left out of the SLOs.
NOT_API = 'route!~"/metrics|/healthz|/readyz|/status"'
RUNBOOK = "docs/runbook.md"
Doc = dict[str, Any]


def consumes(service: str) -> bool:
    return bool(validate.service_spec(service).consumes)


def labels(component: str) -> Doc:
    return {"app.kubernetes.io/part-of": "npd-platform", "app.kubernetes.io/component": component}


def monitors() -> list[Doc]:
    docs: list[Doc] = []
    for s in SERVICES:
        docs.append(
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "ServiceMonitor",
                "metadata": {"name": s, "labels": {"app.kubernetes.io/name": s, **labels("monitoring")}},
                "spec": {
                    "selector": {"matchLabels": {"app.kubernetes.io/name": s, "app.kubernetes.io/component": "api"}},
                    # job="<service>" in every series: the rules and dashboards select on it.
                    "jobLabel": "app.kubernetes.io/name",
                    "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}],
                },
            }
        )
    pod_monitors = [
        # Brokers: the Strimzi metrics reporter on port 9404 (Kafka.spec.kafka.metricsConfig).
        ("npd-kafka", {"strimzi.io/cluster": KAFKA, "strimzi.io/kind": "Kafka", "strimzi.io/broker-role": "true"}),
        # Consumer-group lag and offsets (Kafka.spec.kafkaExporter).
        ("npd-kafka-exporter", {"strimzi.io/cluster": KAFKA, "strimzi.io/name": f"{KAFKA}-kafka-exporter"}),
    ]
    for name, match in pod_monitors:
        docs.append(
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "PodMonitor",
                "metadata": {"name": name, "labels": labels("monitoring")},
                "spec": {
                    "selector": {"matchLabels": match},
                    "podMetricsEndpoints": [{"port": "tcp-prometheus", "path": "/metrics", "interval": "30s"}],
                },
            }
        )
    # Every CloudNativePG instance of every service's database: its exporter on port "metrics" (9187).
    docs.append(
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PodMonitor",
            "metadata": {"name": "npd-postgresql", "labels": labels("monitoring")},
            "spec": {
                "selector": {
                    "matchExpressions": [
                        {"key": "cnpg.io/cluster", "operator": "In", "values": [f"{s}-db" for s in SERVICES]}
                    ],
                    "matchLabels": {"cnpg.io/podRole": "instance"},
                },
                "podMetricsEndpoints": [{"port": "metrics", "interval": "30s"}],
            },
        }
    )
    return docs


def alert(name: str, expr: str, for_: str, severity: str, summary: str, anchor: str, **extra: str) -> Doc:
    rule: Doc = {"alert": name, "expr": expr}
    if for_ != "0m":
        rule["for"] = for_
    rule["labels"] = {"severity": severity, **extra}
    rule["annotations"] = {"summary": summary, "runbook_url": f"{RUNBOOK}#{anchor}"}
    return rule


def service_rules(s: str) -> Doc:
    p = f"npd_{s}"
    rules = [
        alert(
            "NpdServiceDown",
            f'(sum(up{{job="{s}"}}) or vector(0)) < 1',
            "5m",
            "critical",
            f"No {s} replica is up (or none is scraped)",
            "npdservicedown",
            service=s,
        ),
        alert(
            "NpdRelayNotActive",
            f'(sum(npd_{s}_outbox_relay_active{{job="{s}"}}) or vector(0)) < 1 and on() sum(up{{job="{s}"}}) > 0',
            "5m",
            "critical",
            f"No {s} replica relays the outbox: its events are not leaving",
            "npdrelaynotactive",
            service=s,
        ),
        alert(
            "NpdOutboxBacklogGrowing",
            f'max(npd_{s}_outbox_oldest_event_age_seconds{{job="{s}"}}) > 300',
            "5m",
            "warning",
            f"{s}'s oldest unsent event is over 5 minutes old",
            "npdoutboxbackloggrowing",
            service=s,
        ),
        alert(
            "NpdRelayFailing",
            f'sum(increase({p}_outbox_relay_failures_total{{job="{s}"}}[15m])) > 3',
            "0m",
            "warning",
            f"{s}'s relay restarted more than 3 times in 15 minutes",
            "npdrelayfailing",
            service=s,
        ),
        alert(
            "NpdHttp5xxRate",
            f'sum(rate({p}_http_request_duration_seconds_count{{job="{s}",status=~"5.."}}[5m]))'
            f' / sum(rate({p}_http_request_duration_seconds_count{{job="{s}"}}[5m])) > 0.01',
            "5m",
            "critical",
            f"Over 1% of {s}'s requests fail with a 5xx",
            "npdhttp5xxrate",
            service=s,
        ),
        alert(
            "NpdLatencySLO",
            f"histogram_quantile(0.99, sum by (le) (rate({p}_http_request_duration_seconds_bucket"
            f'{{job="{s}",{NOT_API}}}[5m]))) > 0.5',
            "10m",
            "warning",
            f"{s}'s p99 latency is over 500 ms (SLO: p99 < 500 ms)",
            "npdlatencyslo",
            service=s,
        ),
    ]
    if consumes(s):
        rules += [
            alert(
                "NpdConsumerLag",
                f'sum by (topic) (max by (topic, partition) ({p}_consumer_lag_events{{job="{s}"}})) > 1000',
                "10m",
                "warning",
                f"{s} is over 1,000 events behind on {{{{ $labels.topic }}}}",
                "npdconsumerlag",
                service=s,
            ),
            alert(
                "NpdDeadLetters",
                f'sum by (topic) (increase({p}_dead_letters_total{{job="{s}"}}[15m])) > 0',
                "0m",
                "warning",
                f"{s} dead-lettered events of {{{{ $labels.topic }}}}",
                "npddeadletters",
                service=s,
            ),
        ]
    return {"name": f"npd-{s}", "rules": rules}


def platform_rules() -> list[Doc]:
    groups = "|".join(s for s in SERVICES if consumes(s))
    kafka_pvc = f'persistentvolumeclaim=~"data-[0-9]+-{KAFKA}-.+"'
    kafka = [
        alert(
            "KafkaUnderReplicatedPartitions",
            "max(kafka_server_replicamanager_underreplicatedpartitions) > 0",
            "5m",
            "warning",
            "Kafka has under-replicated partitions",
            "kafkaunderreplicatedpartitions",
        ),
        alert(
            "KafkaUnderMinIsr",
            "max(kafka_server_replicamanager_underminisrpartitioncount) > 0",
            "1m",
            "critical",
            "Partitions below min.insync.replicas: producers with acks=all are refused",
            "kafkaunderminisr",
        ),
        alert(
            "KafkaOfflinePartitions",
            "sum(kafka_controller_kafkacontroller_offlinepartitionscount) > 0",
            "1m",
            "critical",
            "Kafka partitions have no leader",
            "kafkaofflinepartitions",
        ),
        alert(
            "KafkaDiskFilling",
            f"min by (persistentvolumeclaim) (kubelet_volume_stats_available_bytes{{{kafka_pvc}}}"
            f" / kubelet_volume_stats_capacity_bytes{{{kafka_pvc}}}) < 0.15",
            "10m",
            "warning",
            "A Kafka volume has less than 15% free",
            "kafkadiskfilling",
        ),
        alert(
            "KafkaConsumerGroupLag",
            f'sum by (consumergroup) (kafka_consumergroup_lag{{consumergroup=~"{groups}"}}) > 5000',
            "15m",
            "warning",
            "Consumer group {{ $labels.consumergroup }} is over 5,000 events behind (also when its pods are down)",
            "kafkaconsumergrouplag",
        ),
    ]
    database = [
        alert(
            "PostgresDown",
            'min by (cluster) (label_replace(cnpg_collector_up, "cluster", "$1", "pod", "(.+)-[0-9]+")) < 1',
            "5m",
            "critical",
            "A PostgreSQL instance of {{ $labels.cluster }} is down",
            "postgresdown",
        ),
        alert(
            "PostgresReplicationLag",
            "max by (pod) (cnpg_pg_replication_lag) > 30",
            "5m",
            "warning",
            "Standby {{ $labels.pod }} is over 30 s behind its primary",
            "postgresreplicationlag",
        ),
        alert(
            "PostgresLongTransaction",
            "max by (pod, datname) (cnpg_backends_max_tx_duration_seconds) > 300",
            "5m",
            "warning",
            "A transaction in {{ $labels.datname }} on {{ $labels.pod }} has been open over 5 minutes",
            "postgreslongtransaction",
        ),
        alert(
            "PostgresWalArchivingFailing",
            "sum by (pod) (increase(cnpg_pg_stat_archiver_failed_count[15m])) > 0",
            "0m",
            "critical",
            "{{ $labels.pod }} fails to archive WAL: point-in-time recovery is at risk",
            "postgresbackupsfailing",
        ),
        alert(
            "PostgresBackupTooOld",
            "cnpg_collector_last_available_backup_timestamp > 0"
            " and time() - cnpg_collector_last_available_backup_timestamp > 26 * 3600",
            "30m",
            "critical",
            "{{ $labels.pod }}'s last backup is over 26 hours old",
            "postgresbackupsfailing",
        ),
    ]
    certificates = [
        alert(
            "KafkaCertificateExpiring",
            "min by (type, cluster) (strimzi_certificate_expiration_timestamp_ms) / 1000 - time() < 30 * 86400",
            "1h",
            "warning",
            "Strimzi's {{ $labels.type }} certificate of {{ $labels.cluster }} expires within 30 days",
            "certificateexpiring",
        ),
        alert(
            "IngressCertificateExpiring",
            'min by (name) (certmanager_certificate_expiration_timestamp_seconds{name="npd-platform-tls"})'
            " - time() < 14 * 86400",
            "1h",
            "critical",
            "The front door's TLS certificate expires within 14 days (cert-manager renews at 30)",
            "certificateexpiring",
        ),
    ]
    return [
        {"name": "npd-kafka", "rules": kafka},
        {"name": "npd-postgresql", "rules": database},
        {"name": "npd-certificates", "rules": certificates},
    ]


def prometheus_rule() -> Doc:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "npd-platform", "labels": labels("monitoring")},
        "spec": {"groups": [service_rules(s) for s in SERVICES] + platform_rules()},
    }


def panel(pid: int, title: str, exprs: list[tuple[str, str]], x: int, y: int, unit: str = "short") -> Doc:
    return {
        "id": pid,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(65 + i), "expr": expr, "legendFormat": legend} for i, (expr, legend) in enumerate(exprs)
        ],
    }


def dashboard(uid: str, title: str, panels: list[Doc]) -> Doc:
    return {
        "uid": uid,
        "title": title,
        "tags": ["npd-platform"],
        "timezone": "browser",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"}]
        },
        "panels": panels,
    }


def service_dashboard(s: str) -> Doc:
    p, j = f"npd_{s}", f'job="{s}"'
    rows: list[tuple[str, list[tuple[str, str]], str]] = [
        (
            "Requests per second by route",
            [(f"sum by (route) (rate({p}_http_request_duration_seconds_count{{{j}}}[5m]))", "{{route}}")],
            "reqps",
        ),
        (
            "5xx ratio",
            [
                (
                    f'sum(rate({p}_http_request_duration_seconds_count{{{j},status=~"5.."}}[5m]))'
                    f" / sum(rate({p}_http_request_duration_seconds_count{{{j}}}[5m]))",
                    "5xx",
                )
            ],
            "percentunit",
        ),
        (
            "Latency (API routes)",
            [
                (
                    f"histogram_quantile({q}, sum by (le) (rate({p}_http_request_duration_seconds_bucket"
                    f"{{{j},{NOT_API}}}[5m])))",
                    f"p{int(q * 100)}",
                )
                for q in (0.5, 0.99)
            ],
            "s",
        ),
        (
            "Outbox: backlog and oldest unsent event",
            [
                (f"max({p}_outbox_backlog_events{{{j}}})", "backlog"),
                (f"max({p}_outbox_oldest_event_age_seconds{{{j}}})", "oldest (s)"),
            ],
            "short",
        ),
        (
            "Relay: active replicas, failures",
            [
                (f"sum({p}_outbox_relay_active{{{j}}})", "active"),
                (f"sum(increase({p}_outbox_relay_failures_total{{{j}}}[15m]))", "failures / 15m"),
            ],
            "short",
        ),
        (
            "Events published by topic",
            [(f"sum by (topic) (rate({p}_events_published_total{{{j}}}[5m]))", "{{topic}}")],
            "ops",
        ),
    ]
    if consumes(s):
        rows += [
            (
                "Consumer lag by topic",
                [(f"sum by (topic) (max by (topic, partition) ({p}_consumer_lag_events{{{j}}}))", "{{topic}}")],
                "short",
            ),
            (
                "Events consumed by outcome",
                [(f"sum by (outcome) (rate({p}_events_consumed_total{{{j}}}[5m]))", "{{outcome}}")],
                "ops",
            ),
            (
                "Dead letters by topic",
                [(f"sum by (topic) (increase({p}_dead_letters_total{{{j}}}[1h]))", "{{topic}}")],
                "short",
            ),
            (
                "Batch handling time (p99) and handler retries",
                [
                    (
                        f"histogram_quantile(0.99, sum by (le) (rate({p}_event_batch_duration_seconds_bucket"
                        f"{{{j}}}[5m])))",
                        "batch p99 (s)",
                    ),
                    (f"sum(rate({p}_event_handler_retries_total{{{j}}}[5m]))", "retries/s"),
                ],
                "short",
            ),
        ]
    panels = [
        panel(i + 1, title, exprs, (i % 2) * 12, (i // 2) * 8, unit) for i, (title, exprs, unit) in enumerate(rows)
    ]
    return dashboard(f"npd-{s}", f"NPD {s}", panels)


def platform_dashboard() -> Doc:
    rows: list[tuple[str, list[tuple[str, str]], str]] = [
        (
            "Requests per second by service",
            [(f"sum(rate(npd_{s}_http_request_duration_seconds_count[5m]))", s) for s in SERVICES],
            "reqps",
        ),
        (
            "5xx ratio by service",
            [
                (
                    f'sum(rate(npd_{s}_http_request_duration_seconds_count{{status=~"5.."}}[5m]))'
                    f" / sum(rate(npd_{s}_http_request_duration_seconds_count[5m]))",
                    s,
                )
                for s in SERVICES
            ],
            "percentunit",
        ),
        (
            "Oldest unsent outbox event by service",
            [(f"max(npd_{s}_outbox_oldest_event_age_seconds)", s) for s in SERVICES],
            "s",
        ),
        (
            "Consumer group lag (Kafka Exporter)",
            [("sum by (consumergroup) (kafka_consumergroup_lag)", "{{consumergroup}}")],
            "short",
        ),
        (
            "Kafka: under-replicated and offline partitions",
            [
                ("sum(kafka_server_replicamanager_underreplicatedpartitions)", "under-replicated"),
                ("sum(kafka_controller_kafkacontroller_offlinepartitionscount)", "offline"),
            ],
            "short",
        ),
        (
            "Kafka: bytes in per broker",
            [("sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesinpersec_total[5m]))", "{{pod}}")],
            "Bps",
        ),
        ("PostgreSQL: replication lag", [("max by (pod) (cnpg_pg_replication_lag)", "{{pod}}")], "s"),
        (
            "PostgreSQL: longest open transaction",
            [("max by (pod) (cnpg_backends_max_tx_duration_seconds)", "{{pod}}")],
            "s",
        ),
        (
            "PostgreSQL: age of the last backup",
            [("time() - max by (pod) (cnpg_collector_last_available_backup_timestamp)", "{{pod}}")],
            "s",
        ),
        (
            "Dead letters in the last hour",
            [(f"sum(increase(npd_{s}_dead_letters_total[1h]))", s) for s in SERVICES if consumes(s)],
            "short",
        ),
    ]
    panels = [
        panel(i + 1, title, exprs, (i % 2) * 12, (i // 2) * 8, unit) for i, (title, exprs, unit) in enumerate(rows)
    ]
    return dashboard("npd-platform", "NPD platform", panels)


HEADER = "# Generated by deploy/monitoring/generate.py: edit that, then run it.\n"


def render() -> dict[Path, str]:
    def dump(docs: list[Doc]) -> str:
        return HEADER + "---\n".join(yaml.safe_dump(d, sort_keys=False, width=200) for d in docs)

    files = {OUT / "monitors.yaml": dump(monitors()), OUT / "rules.yaml": dump([prometheus_rule()])}
    for s in SERVICES:
        files[OUT / "dashboards" / f"npd-{s}.json"] = json.dumps(service_dashboard(s), indent=2) + "\n"
    files[OUT / "dashboards" / "npd-platform.json"] = json.dumps(platform_dashboard(), indent=2) + "\n"
    return files


def main(argv: list[str]) -> int:
    files = render()
    if "--check" in argv:
        stale = [
            str(p.relative_to(DEPLOY.parent)) for p, text in files.items() if not p.exists() or p.read_text() != text
        ]
        for p in stale:
            print(f"{p} is not what deploy/monitoring/generate.py writes: run it", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
