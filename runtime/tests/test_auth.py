import time
from pathlib import Path
from uuid import uuid4

import pytest
from npd_devstack.issuer import DevIssuer
from npd_runtime.auth import Principal, Role, TokenVerifier, Unauthenticated, _principal


@pytest.fixture(scope="module")
def verifier(dev_issuer: DevIssuer) -> TokenVerifier:
    return TokenVerifier(issuer=dev_issuer.issuer, audience=dev_issuer.audience, jwks_url=dev_issuer.jwks_url)


def test_a_valid_token_names_the_person_their_roles_and_organisation(
    verifier: TokenVerifier, dev_issuer: DevIssuer
) -> None:
    org = uuid4()
    principal = verifier.verify(dev_issuer.mint("p-1", ["org_admin"], org_id=str(org)))
    assert principal == Principal(person_id="p-1", roles=frozenset({Role.ORG_ADMIN}), org_id=org)
    assert principal.administers(org)
    assert not principal.administers(uuid4())


def test_a_token_signed_by_another_key_is_refused(verifier: TokenVerifier, tmp_path: Path) -> None:
    impostor = DevIssuer(tmp_path / "impostor")
    with pytest.raises(Unauthenticated, match="not valid"):
        verifier.verify(impostor.mint("p-1", ["network_admin"]))


def test_a_token_from_another_issuer_is_refused(verifier: TokenVerifier, dev_issuer: DevIssuer) -> None:
    with pytest.raises(Unauthenticated, match="not valid"):
        verifier.verify(dev_issuer.mint("p-1", [], iss="https://elsewhere.example"))


def test_an_expired_token_is_refused(verifier: TokenVerifier, dev_issuer: DevIssuer) -> None:
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(dev_issuer.mint("p-1", [], exp=1, iat=0))


def test_an_org_id_that_is_not_a_uuid_is_refused(verifier: TokenVerifier, dev_issuer: DevIssuer) -> None:
    with pytest.raises(Unauthenticated, match="org_id"):
        verifier.verify(dev_issuer.mint("p-1", ["member"], org_id="utrecht"))


def test_roles_the_platform_does_not_know_are_ignored_not_trusted() -> None:
    principal = _principal({"sub": "p-1", "roles": ["member", "superuser"]})
    assert principal.roles == frozenset({Role.MEMBER})


def test_a_plain_http_jwks_url_is_refused_outside_localhost() -> None:
    with pytest.raises(ValueError, match="https"):
        TokenVerifier(issuer="i", audience="a", jwks_url="http://issuer.example/jwks")


def test_a_verified_token_is_refused_once_it_expires_even_from_the_cache(
    verifier: TokenVerifier, dev_issuer: DevIssuer
) -> None:
    token = dev_issuer.mint("p-1", ["member"], ttl_s=1)
    assert verifier.verify(token).person_id == "p-1"
    time.sleep(1.1)
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(token)
