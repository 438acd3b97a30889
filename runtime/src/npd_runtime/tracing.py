"""W3C trace context across HTTP and events, so one admission's log lines share one trace id in every service.

An HTTP request continues the caller's `traceparent` or starts a trace (npd_runtime.edge); events written
meanwhile carry it (CloudEvents `traceparent` extension), and a consumer handling them continues it.
"""

import random
from contextvars import ContextVar

current_traceparent: ContextVar[str | None] = ContextVar("current_traceparent", default=None)


def new_traceparent() -> str:
    # Unique, not secret: the random module (seeded from the OS at start) spares a system call per request.
    trace, span = random.getrandbits(128) or 1, random.getrandbits(64) or 1  # all-zero ids are invalid
    return f"00-{trace:032x}-{span:016x}-01"


def trace_id(traceparent: str | None) -> str | None:
    return traceparent.split("-")[1] if traceparent else None
