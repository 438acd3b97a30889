"""W3C trace context across HTTP and events, so one admission's log lines share one trace id in every service.

An HTTP request continues the caller's `traceparent` or starts a trace; events written meanwhile carry it
(CloudEvents `traceparent` extension), and a consumer handling them continues it.
"""

import secrets
from contextvars import ContextVar

from npd_contracts.envelope import valid_traceparent
from starlette.types import ASGIApp, Message, Receive, Scope, Send

current_traceparent: ContextVar[str | None] = ContextVar("current_traceparent", default=None)


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def trace_id(traceparent: str | None) -> str | None:
    return traceparent.split("-")[1] if traceparent else None


class TraceContext:
    """ASGI middleware: the request's trace context, also returned as the `traceparent` response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"traceparent", b"").decode("latin-1")
        traceparent = valid_traceparent(incoming) or new_traceparent()
        token = current_traceparent.set(traceparent)

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"traceparent", traceparent.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_trace)
        finally:
            current_traceparent.reset(token)
