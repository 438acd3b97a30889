"""W3C trace context across HTTP and events, so one admission's log lines share one trace id in every service.

An HTTP request continues the caller's `traceparent` or starts a trace (npd_runtime.edge); events written
meanwhile carry it (CloudEvents `traceparent` extension), and a consumer handling them continues it.
"""

import secrets
from contextvars import ContextVar

current_traceparent: ContextVar[str | None] = ContextVar("current_traceparent", default=None)


def new_traceparent() -> str:
    ids = secrets.token_hex(24)  # one read of the system's randomness for both ids
    return f"00-{ids[:32]}-{ids[32:]}-01"


def trace_id(traceparent: str | None) -> str | None:
    return traceparent.split("-")[1] if traceparent else None
