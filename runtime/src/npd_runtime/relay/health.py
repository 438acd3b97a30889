"""What the relay tells about itself: its state, failures, backlog, the age of its oldest unsent row and
its last publish, kept in memory for `status()` and in metrics an alert can use."""

import logging
import time
from datetime import UTC, datetime
from typing import Any, Literal

from prometheus_client import Counter

from npd_runtime.metrics import ServiceMetrics

log = logging.getLogger("npd_runtime.relay")

State = Literal["starting", "standby", "active", "failing", "stopped"]
STATES: tuple[State, ...] = ("starting", "standby", "active", "failing", "stopped")


def _iso(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat()


class RelayHealth:
    def __init__(self, metrics: ServiceMetrics, retry_backoff_s: float) -> None:
        self.metrics = metrics
        self._retry_backoff_s = retry_backoff_s
        self._published: dict[tuple[str, str], Counter] = {}
        self.state: State = "starting"
        self._state_since = time.time()
        self._failures = 0
        self._last_error: str | None = None
        self._last_error_at: float | None = None
        self._last_published_at: float | None = None
        self.backlog: int | None = None
        self._backlog_seen_at: float | None = None
        self._oldest: tuple[float, float] | None = None  # (age in seconds, monotonic time it was seen)
        self.set_state("starting", force=True)

    def status(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "since": _iso(self._state_since),
            "failures": self._failures,
            "last_error": self._last_error,
            "last_error_at": _iso(self._last_error_at),
            "last_published_at": _iso(self._last_published_at),
            "backlog": self.backlog,
            "backlog_seen_at": _iso(self._backlog_seen_at),
            "oldest_event_age_seconds": round(self.oldest_event_age(), 3),
        }

    def oldest_event_age(self) -> float:
        if self._oldest is None:
            return 0.0
        age, seen_at = self._oldest
        return max(0.0, age + time.monotonic() - seen_at)

    def oldest_seen(self, age_s: float | None, at: float | None = None) -> None:
        """The oldest unsent row was `age_s` old at monotonic time `at` (now); None: there is none."""
        self._oldest = None if age_s is None else (age_s, time.monotonic() if at is None else at)

    def failed(self, exc: Exception) -> None:
        first = self.state != "failing"
        self._failures += 1
        self._last_error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        self._last_error_at = time.time()
        self.metrics.relay_failures.inc()
        self.set_state("failing")
        if first:
            log.exception("outbox relay failed; retrying every %.1f s", self._retry_backoff_s)
        else:
            log.warning("outbox relay still failing: %s", self._last_error)

    def set_state(self, state: State, force: bool = False) -> None:
        if state == self.state and not force:
            return
        self.state, self._state_since = state, time.time()
        for name in STATES:
            self.metrics.relay_state.labels(name).set(1 if name == state else 0)

    def set_backlog(self, count: int) -> None:
        self.backlog, self._backlog_seen_at = count, time.time()
        self.metrics.outbox_backlog.set(count)

    def published(self, counts: dict[tuple[str, str], int], events: int) -> None:
        """Kafka acknowledged `events` events, `counts` of them per (topic, type)."""
        for (topic, type_), n in counts.items():
            counter = self._published.get((topic, type_))
            if counter is None:
                counter = self._published[topic, type_] = self.metrics.events_published.labels(topic, type_)
            counter.inc(n)
        self._last_published_at = time.time()
        self.metrics.relay_last_publish.set(self._last_published_at)
        if self.backlog is not None:
            self.set_backlog(max(0, self.backlog - events))
        self.set_state("active")
