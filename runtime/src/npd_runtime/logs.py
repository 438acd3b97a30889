"""JSON log lines carrying the service name, the trace id and, while an event is handled, its id."""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

from npd_runtime.tracing import current_traceparent, trace_id

current_event_id: ContextVar[str | None] = ContextVar("current_event_id", default=None)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event_id = current_event_id.get()
        if event_id:
            line["event_id"] = event_id
        traced = trace_id(current_traceparent.get())
        if traced:
            line["trace_id"] = traced
        for key in ("event_type", "topic", "partition", "offset", "reason"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn installs plain-text handlers of its own; route its lines through ours so every line is JSON.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        server_logger = logging.getLogger(name)
        server_logger.handlers[:] = []
        server_logger.setLevel(logging.NOTSET)  # LOG_LEVEL decides for it too
        server_logger.propagate = True
    # aiokafka logs every rebalance and coordinator hiccup at INFO; operators need WARNING and up from it.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
