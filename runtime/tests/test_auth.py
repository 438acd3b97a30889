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
    GroupRole,
    Identity,
    IdentityDep,
    Principal,
    Role,
    TokenVerifier,
    Unauthenticated,
)
from npd_runtime.edge import Edge
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.problems import install_problem_handlers


@pytest.fixture(scope="module")
def verifier(dev_issuer: DevIssuer) -> TokenVerifier:
    return TokenVerifier(issuer=dev_issuer.issuer, audience=dev_issuer.audience, jwks_url=dev_issuer.jwks_url)


async def test_a_valid_token_names_the_person_and_nothing_it_claims_about_roles_counts(
    verifier: TokenVerifier, dev_issuer: DevIssuer
) -> None:
    token = dev_issuer.mint("p-1", ["network_admin", "org_admin"], org_id=str(uuid4()))
    assert await verifier.verify(token) == Identity("p-1")


def test_a_principal_answers_from_its_roles_and_groups() -> None:
    org, chaired, joined = uuid4(), uuid4(), uuid4()
    groups = {chaired: GroupRole.CHAIR, joined: GroupRole.MEMBER}
    admin = Principal("p-1", org, frozenset({Role.ORG_ADMIN, Role.MEMBER}), groups)
    assert admin.administers(org) and not admin.administers(uuid4())
    assert admin.in_network and not admin.is_network_admin
    assert admin.chairs(chaired) and not admin.chairs(joined)
    assert admin.in_group(joined) and not admin.in_group(uuid4())
    assert Principal("p-2", roles=frozenset({Role.NETWORK_ADMIN})).administers(org)
    assert not Principal("p-3").in_network


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


async def test_claims_the_platform_ignores_cannot_make_a_token_invalid(
    verifier: TokenVerifier, dev_issuer: DevIssuer
) -> None:
    token = dev_issuer.mint("p-1", org_id="utrecht")  # once refused as not a UUID
    assert await verifier.verify(token) == Identity("p-1")


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
    async def me(identity: IdentityDep) -> str:
        return identity.person_id

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
