"""The edge middleware: every request gets a trace context and a latency sample, and /v1 calls are
authenticated before the route runs (401s included in both)."""

import httpx
import pytest
from fastapi import FastAPI
from npd_devstack.issuer import DevIssuer
from npd_runtime.auth import IdentityDep, TokenVerifier
from npd_runtime.edge import Edge
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.problems import install_problem_handlers
from npd_runtime.tracing import current_traceparent
from prometheus_client import generate_latest

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def metrics() -> ServiceMetrics:
    return ServiceMetrics("edge_tests")


@pytest.fixture
def client(dev_issuer: DevIssuer, metrics: ServiceMetrics) -> httpx.AsyncClient:
    verifier = TokenVerifier(issuer=dev_issuer.issuer, audience=dev_issuer.audience, jwks_url=dev_issuer.jwks_url)
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(Edge, metrics=metrics, verifier=verifier, anonymous=("/v1/public/",))

    @app.get("/v1/things/{thing}")
    async def thing(thing: str, identity: IdentityDep) -> dict[str, str | None]:
        return {"person": identity.person_id, "trace": current_traceparent.get()}

    @app.get("/v1/public/things")
    async def public_things() -> dict[str, str | None]:
        return {"trace": current_traceparent.get()}

    @app.get("/open")
    async def open_route() -> dict[str, str | None]:
        return {"trace": current_traceparent.get()}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_a_call_continues_its_callers_trace_and_the_route_sees_it(
    client: httpx.AsyncClient, dev_issuer: DevIssuer
) -> None:
    token = dev_issuer.mint("p-1", [])
    response = await client.get(
        "/v1/things/a", headers={"Authorization": f"Bearer {token}", "traceparent": TRACEPARENT}
    )
    assert response.json() == {"person": "p-1", "trace": TRACEPARENT}
    assert response.headers["traceparent"] == TRACEPARENT


async def test_a_call_without_a_valid_trace_starts_one(client: httpx.AsyncClient) -> None:
    response = await client.get("/open", headers={"traceparent": "00-not-a-trace"})
    started = response.headers["traceparent"]
    assert started.startswith("00-") and started != "00-not-a-trace"
    assert response.json() == {"trace": started}


async def test_an_unauthenticated_call_is_refused_traced_and_timed(
    client: httpx.AsyncClient, metrics: ServiceMetrics
) -> None:
    response = await client.get("/v1/things/a")
    assert response.status_code == 401
    assert response.json()["type"] == "urn:npd:problem:unauthenticated"
    assert response.headers["traceparent"].startswith("00-")
    exposed = generate_latest(metrics.registry).decode()
    assert (
        'npd_edge_tests_http_request_duration_seconds_count{method="GET",route="unmatched",status="401"} 1.0' in exposed
    )


async def test_each_route_is_one_series_whatever_its_path(
    client: httpx.AsyncClient, dev_issuer: DevIssuer, metrics: ServiceMetrics
) -> None:
    headers = {"Authorization": f"Bearer {dev_issuer.mint('p-1', [])}"}
    for name in ("a", "b", "c"):
        assert (await client.get(f"/v1/things/{name}", headers=headers)).status_code == 200
    exposed = generate_latest(metrics.registry).decode()
    series = 'npd_edge_tests_http_request_duration_seconds_count{method="GET",route="/v1/things/{thing}",status="200"}'
    assert f"{series} 3.0" in exposed


async def test_a_path_declared_anonymous_needs_no_token_and_its_neighbours_still_do(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/public/things")).status_code == 200
    assert (await client.get("/v1/public/things", headers={"Authorization": "Bearer junk"})).status_code == 200
    assert (await client.get("/v1/publicity")).status_code == 401
    assert (await client.get("/v1/things/a")).status_code == 401
