import json
import logging

from npd_runtime.logs import JsonFormatter, current_event_id
from npd_runtime.tracing import current_traceparent


def test_a_log_line_is_json_with_the_service_event_and_trace_ids() -> None:
    record = logging.LogRecord("npd", logging.WARNING, __file__, 1, "handled %s", ("x",), None)
    event = current_event_id.set("evt-1")
    trace = current_traceparent.set("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    try:
        line = json.loads(JsonFormatter("membership").format(record))
    finally:
        current_traceparent.reset(trace)
        current_event_id.reset(event)
    assert line["service"] == "membership"
    assert line["message"] == "handled x"
    assert line["event_id"] == "evt-1"
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
