"""The one ASGI middleware in front of every service: what each request gets before any route sees it.

In order: its W3C trace context (continued or started, and returned as the `traceparent` header), its
latency in the metrics (whatever the answer, 401s included), and under /v1 its caller's authentication,
before anything reads the body, so a caller without a valid token learns nothing but 401. Only identity is
settled here; what the caller may do is loaded when a route asks for it (auth.current_principal).

Paths a service declares anonymous (ServiceSpec.anonymous: prefixes under /v1, such as public listings or
calendar feeds reached by a secret in their URL) pass without a token; their routes authorise by other means.

One layer instead of three: each layer is one more coroutine that every await of the request (a database
round trip, say) passes through again, and one more wrapper around `send`.
"""

import time
from typing import Any

from npd_contracts.envelope import valid_traceparent
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from npd_runtime.auth import TokenVerifier, authenticate
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.problems import Problem
from npd_runtime.tracing import current_traceparent, new_traceparent


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        metrics: ServiceMetrics,
        verifier: TokenVerifier,
        prefix: str = "/v1/",
        anonymous: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.prefix = prefix
        self.anonymous = anonymous
        self._duration = metrics.http_request_duration
        # The histogram's child per (method, route, status), so a request skips prometheus' labels() lookup.
        self._timers: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = authorization = None
        for name, value in scope["headers"]:
            if name == b"traceparent":
                incoming = value.decode("latin-1")
            elif name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
        traceparent = valid_traceparent(incoming) or new_traceparent()
        header = (b"traceparent", traceparent.encode())
        token = current_traceparent.set(traceparent)
        status = 500

        async def send_with_trace(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            path = scope["path"]
            if path.startswith(self.prefix) and not (self.anonymous and path.startswith(self.anonymous)):
                try:
                    identity = await authenticate(authorization, self.verifier)
                except Problem as exc:  # Unauthenticated, or IssuerUnavailable
                    await exc.response(Request(scope))(scope, receive, send_with_trace)
                    return
                scope.setdefault("state", {})["identity"] = identity
            await self.app(scope, receive, send_with_trace)
        finally:
            current_traceparent.reset(token)
            # The path template, so /v1/organisations/{id} is one series, not one per id.
            key = (scope["method"], getattr(scope.get("route"), "path", "unmatched"), status)
            timer = self._timers.get(key)
            if timer is None:
                timer = self._timers[key] = self._duration.labels(*key)
            timer.observe(time.perf_counter() - started)
