"""Every endpoint of every service, called once with each kind of bad identity: refused precisely.

Not fuzzing (tests/test_api_fuzz.py fuzzes with no token, "not-a-jwt" and Basic): one request per endpoint
per identity, the endpoints read from each service's live OpenAPI document, so a new endpoint is covered
without touching this file. A token that is expired, signed by another key, from another issuer, for another
audience or unsigned (`alg: none`) is a 401 with a Bearer challenge naming what is wrong, as an RFC 9457
problem document, on every /v1 path but those a service serves without login. A valid token for a subject
membership does not know proves who calls but gives no rights: never a 2xx, except on the few endpoints
that are for newcomers (NEWCOMERS), and every refusal a problem document.
"""

import base64
import contextlib
import importlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from npd_devstack.issuer import DevIssuer

SERVICES = ("membership", "events", "benchmark", "notifications")
PROBLEM = "application/problem+json"
# Open to anyone who has logged in, known to membership or not: applying to join the network, accepting an
# invitation (the invitee is not a person of the network until then) and one's own profile, preferences,
# inbox and interests (empty for a stranger). A stranger's 2xx anywhere else fails the test.
NEWCOMERS = {
    "membership": {
        "POST /v1/organisations",
        "POST /v1/invitations/{invitation_id}/accept",
        "GET /v1/me",
        "PUT /v1/me",
        "GET /v1/me/interests",
    },
    "notifications": {
        "GET /v1/inbox",
        "GET /v1/inbox/unread-count",
        "POST /v1/inbox/read-all",
        "GET /v1/preferences",
        "PUT /v1/preferences/time-zone",
        "PUT /v1/preferences/{category}",
        "GET /v1/webhooks",
    },
    "events": set(),
    "benchmark": set(),
}
# Open to everyone signed in, and what of it: documents of the platform rather than of anyone (the network's
# growth in counts per year, the KPI catalogue), the member organisations' public profiles ("everyone signed in
# sees the members") and meetings whose audience is public (also listed without login under /v1/public/).
ANYTHING: Callable[[Any], bool] = lambda body: True  # noqa: E731


def _public_meetings(body: Any) -> bool:
    return all(item["audience"] == "public" for item in body["items"])


OPEN_TO_ANYONE: dict[str, dict[str, Callable[[Any], bool]]] = {
    "membership": {
        "GET /v1/network/growth": ANYTHING,
        "GET /v1/organisations": lambda body: all(o["status"] in ("member", "suspended") for o in body["items"]),
    },
    "notifications": {},
    "events": {"GET /v1/meetings": _public_meetings},
    "benchmark": {"GET /v1/catalogue": ANYTHING, "GET /v1/catalogue/{version}": ANYTHING},
}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_tokens(issuer: DevIssuer) -> dict[str, tuple[str, str]]:
    """Each bad token by name, with what the challenge's error_description must say."""
    now = int(time.time())
    someone = f"someone-{uuid4()}"
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"iss": issuer.issuer, "aud": issuer.audience, "sub": someone, "iat": now, "exp": now + 600}
    forged = jwt.encode(claims, stranger_key, algorithm="RS256", headers={"kid": issuer.kid})  # our key's id
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': issuer.kid})}.{_b64(claims)}."
    return {
        "expired": (issuer.mint(someone, iat=now - 7200, exp=now - 3600), "the token has expired"),
        "forged": (forged, "Signature verification failed"),
        "wrong issuer": (issuer.mint(someone, iss="https://login.example.com"), "Invalid issuer"),
        "wrong audience": (issuer.mint(someone, aud="another-platform"), "Audience doesn't match"),
        "alg none": (unsigned, "The specified alg value is not allowed"),
    }


@pytest_asyncio.fixture(scope="module")
async def apps(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> AsyncIterator[dict[str, tuple[FastAPI, httpx.AsyncClient]]]:
    async with contextlib.AsyncExitStack() as stack:
        running: dict[str, tuple[FastAPI, httpx.AsyncClient]] = {}
        for service in SERVICES:
            main = importlib.import_module(f"npd_{service}.main")
            config = importlib.import_module(f"npd_{service}.config")
            settings = getattr(config, f"{service.capitalize()}Settings")(**service_settings(service))
            app = main.create_app(settings)
            running[service] = (app, await stack.enter_async_context(run_app(app)))
        yield running


def operations(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every /v1 operation in the service's OpenAPI document."""
    return [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1/")
        for method in item
        if method in ("get", "put", "post", "patch", "delete")
    ]


def concrete(path: str) -> str:
    """The path with every parameter filled by a value of a plausible shape (a fresh UUID where one fits)."""
    return re.sub(r"\{[^}]+\}", lambda m: "1" if m[0] in ("{version}", "{number}") else str(uuid4()), path)


def anonymous_paths(service: str) -> tuple[str, ...]:
    return tuple(getattr(importlib.import_module(f"npd_{service}.main"), "ANONYMOUS", ()))


async def call(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    return await client.request(method, concrete(path), headers=headers, json=body)


def assert_problem(response: httpx.Response, label: str) -> dict[str, Any]:
    assert response.headers["content-type"].startswith(PROBLEM), (label, response.status_code, response.text)
    problem: dict[str, Any] = response.json()
    assert problem["status"] == response.status_code and problem["type"].startswith("urn:npd:problem:"), label
    return problem


@pytest.mark.parametrize("service", SERVICES)
async def test_every_call_with_a_bad_token_is_a_401_with_a_bearer_challenge_naming_what_is_wrong(
    apps: dict[str, tuple[FastAPI, httpx.AsyncClient]], dev_issuer: DevIssuer, service: str
) -> None:
    app, client = apps[service]
    anonymous = anonymous_paths(service)
    checked = 0
    for name, (token, why) in bad_tokens(dev_issuer).items():
        for method, path in operations(app):
            if path.startswith(anonymous):
                continue
            label = f"{name}: {method} {path}"
            response = await call(client, method, path, {"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, (label, response.status_code, response.text)
            challenge = response.headers["www-authenticate"]
            assert challenge.startswith('Bearer error="invalid_token"') and why in challenge, (label, challenge)
            assert assert_problem(response, label)["type"] == "urn:npd:problem:unauthenticated", label
            checked += 1
    assert checked >= 5 * 10, "every bad token tried on the service's endpoints"


@pytest.mark.parametrize("service", SERVICES)
async def test_a_valid_token_for_a_subject_the_network_does_not_know_gives_no_rights(
    apps: dict[str, tuple[FastAPI, httpx.AsyncClient]], token: Callable[..., dict[str, str]], service: str
) -> None:
    app, client = apps[service]
    stranger = token(f"stranger-{uuid4()}")
    documented, given = set(), []
    for method, path in operations(app):
        label = f"{method} {path}"
        documented.add(label)
        if path.startswith(anonymous_paths(service)):
            continue
        response = await call(client, method, path, stranger)
        if response.status_code < 400:
            open_to_anyone = OPEN_TO_ANYONE[service].get(label)
            if label in NEWCOMERS[service] or _nothing_in(response):
                continue
            if open_to_anyone is None or not open_to_anyone(response.json()):
                given.append(f"{response.status_code} {label}: {response.text[:200]}")
            continue
        assert response.status_code in (403, 404, 409, 422), (label, response.status_code, response.text)
        assert_problem(response, label)
    assert given == [], "a stranger was given something"
    assert NEWCOMERS[service] | set(OPEN_TO_ANYONE[service]) <= documented, "only endpoints the service has are named"


def _nothing_in(response: httpx.Response) -> bool:
    """A listing filtered to what the caller may see, which for a stranger is nothing."""
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    return isinstance(body, dict) and body.get("items") == [] and body.get("total") in (0, None)
