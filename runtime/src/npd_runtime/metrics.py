"""Prometheus metrics of one service, in a registry of its own (named npd_<service>_<noun>_<unit>)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        p = f"npd_{service}"
        r = self.registry
        self.http_request_duration = Histogram(
            f"{p}_http_request_duration_seconds",
            "HTTP request latency by route and status.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.events_published = Counter(
            f"{p}_events_published_total", "Events the outbox relay published.", ["topic", "type"], registry=r
        )
        self.outbox_backlog = Gauge(
            f"{p}_outbox_backlog_events", "Outbox rows not yet published, as last seen by the relay.", registry=r
        )
        self.relay_active = Gauge(
            f"{p}_outbox_relay_active", "1 while this replica holds the relay lock and publishes.", registry=r
        )
        self.relay_state = Gauge(
            f"{p}_outbox_relay_state",
            "1 for the relay's current state (starting, standby, active, failing, stopped), 0 for the others.",
            ["state"],
            registry=r,
        )
        self.relay_failures = Counter(
            f"{p}_outbox_relay_failures_total",
            "Times the relay lost its database connection or failed to publish a batch, and started over.",
            registry=r,
        )
        self.outbox_oldest_event_age = Gauge(
            f"{p}_outbox_oldest_event_age_seconds",
            "Age of the oldest unsent outbox row as last seen by the relay, growing while it stays unsent; "
            "0 when none was.",
            registry=r,
        )
        self.relay_last_publish = Gauge(
            f"{p}_outbox_relay_last_publish_timestamp_seconds",
            "Unix time at which Kafka last acknowledged a batch this replica's relay published.",
            registry=r,
        )
        self.events_consumed = Counter(
            f"{p}_events_consumed_total",
            "Events taken off Kafka, by outcome (handled, duplicate, ignored, dead_lettered).",
            ["topic", "type", "outcome"],
            registry=r,
        )
        self.batch_duration = Histogram(
            f"{p}_event_batch_duration_seconds",
            "Time to handle one fetched batch of events, including its transaction and any one-by-one retry.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            f"{p}_event_batch_size_events",
            "Events with a handler per fetched batch.",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=r,
        )
        self.handler_retries = Counter(
            f"{p}_event_handler_retries_total", "Failed handler attempts that were retried.", ["type"], registry=r
        )
        self.consumer_lag = Gauge(
            f"{p}_consumer_lag_events",
            "Events on a partition not yet handled, as of the last one handled (high watermark - next offset).",
            ["topic", "partition"],
            registry=r,
        )
        self.dead_letters = Counter(
            f"{p}_dead_letters_total",
            "Records sent to a dead-letter topic, by topic and reason (the kind word of npd_dlq_reason).",
            ["topic", "reason"],
            registry=r,
        )
