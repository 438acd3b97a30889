import asyncio
import base64
import json
import socket
from pathlib import Path
from uuid import uuid4

import httpx
import jwt
import pytest
from fastapi import FastAPI
from npd_devstack.issuer import DevIssuer
from npd_runtime.auth import (
    Principal,
    PrincipalDep,
    Role,
    TokenVerifier,
    Unauthenticated,
    _principal,
)
from npd_runtime.edge import Edge
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.problems import install_problem_handlers


@pytest.fixture(scope="module")
def verifier(dev_issuer: DevIssuer) -> TokenVerifier:
    return TokenVerifier(issuer=dev_issuer.issuer, audience=dev_issuer.audience, jwks_url=dev_issuer.jwks_url)


async def test_a_valid_token_names_the_person_their_roles_and_organisation(
    verifier: TokenVerifier, dev_issuer: DevIssuer
) -> None:
    org = uuid4()
    principal = await verifier.verify(dev_issuer.mint("p-1", ["org_admin"], org_id=str(org)))
    assert principal == Principal(person_id="p-1", roles=frozenset({Role.ORG_ADMIN}), org_id=org)
    assert principal.administers(org)
    assert not principal.administers(uuid4())


async def test_a_token_signed_by_another_key_is_refused(verifier: TokenVerifier, tmp_path: Path) -> None:
    impostor = DevIssuer(tmp_path / "impostor")
    with pytest.raises(Unauthenticated, match="not valid"):
        await verifier.verify(impostor.mint("p-1", ["network_admin"]))


async def test_a_token_from_another_issuer_is_refused(verifier: TokenVerifier, dev_issuer: DevIssuer) -> None:
    with pytest.raises(Unauthenticated, match="not valid"):
        await verifier.verify(dev_issuer.mint("p-1", [], iss="https://elsewhere.example"))


async def test_an_expired_token_is_refused(verifier: TokenVerifier, dev_issuer: DevIssuer) -> None:
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(dev_issuer.mint("p-1", [], exp=1, iat=0))


async def test_an_org_id_that_is_not_a_uuid_is_refused(verifier: TokenVerifier, dev_issuer: DevIssuer) -> None:
    with pytest.raises(Unauthenticated, match="org_id"):
        await verifier.verify(dev_issuer.mint("p-1", ["member"], org_id="utrecht"))


def test_roles_the_platform_does_not_know_are_ignored_not_trusted() -> None:
    principal = _principal({"sub": "p-1", "roles": ["member", "superuser"]})
    assert principal.roles == frozenset({Role.MEMBER})


def test_a_plain_http_jwks_url_is_refused_outside_localhost() -> None:
    with pytest.raises(ValueError, match="https"):
        TokenVerifier(issuer="i", audience="a", jwks_url="http://issuer.example/jwks")


async def test_a_verified_token_is_refused_once_it_expires_even_from_the_cache(
    verifier: TokenVerifier, dev_issuer: DevIssuer
) -> None:
    token = dev_issuer.mint("p-1", ["member"], ttl_s=1)
    assert (await verifier.verify(token)).person_id == "p-1"
    await asyncio.sleep(1.1)
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(token)


async def test_a_token_whose_kid_is_not_a_string_is_refused(verifier: TokenVerifier) -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": ["a", "b"]}).encode()).decode()
    token = f"{header.rstrip('=')}.e30.c2ln"
    with pytest.raises(Unauthenticated, match="Key ID"):
        await verifier.verify(token)


async def test_a_token_without_a_kid_is_verified_with_the_issuers_only_key(
    verifier: TokenVerifier, dev_issuer: DevIssuer
) -> None:
    claims = jwt.decode(dev_issuer.mint("p-1", ["member"]), options={"verify_signature": False})
    without_kid = jwt.encode(claims, (dev_issuer.directory / "signing-key.pem").read_bytes(), algorithm="RS256")
    assert (await verifier.verify(without_kid)).person_id == "p-1"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_verifying_with(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    app.state.token_verifier = verifier
    install_problem_handlers(app)
    app.add_middleware(Edge, metrics=ServiceMetrics("auth_tests"), verifier=verifier)

    @app.get("/v1/me")
    async def me(principal: PrincipalDep) -> str:
        return principal.person_id

    return app


async def test_a_call_gets_the_person_its_token_names(verifier: TokenVerifier, dev_issuer: DevIssuer) -> None:
    transport = httpx.ASGITransport(app=app_verifying_with(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/v1/me", headers={"Authorization": f"Bearer {dev_issuer.mint('p-9', [])}"})
    assert response.json() == "p-9"


async def test_while_the_issuers_keys_cannot_be_fetched_a_call_gets_503_not_401(dev_issuer: DevIssuer) -> None:
    unreachable = TokenVerifier(
        issuer=dev_issuer.issuer, audience=dev_issuer.audience, jwks_url=f"http://127.0.0.1:{closed_port()}/jwks"
    )
    transport = httpx.ASGITransport(app=app_verifying_with(unreachable))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/v1/me", headers={"Authorization": f"Bearer {dev_issuer.mint('p-1', [])}"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["type"] == "urn:npd:problem:unavailable"
