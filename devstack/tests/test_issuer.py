import time
import urllib.request
from pathlib import Path

import jwt
import pytest
from npd_devstack.issuer import DevIssuer


def _verify(issuer: DevIssuer, token: str) -> dict[str, object]:
    # PyJWKClient refuses file:// URLs, so the key set is read the way a service would read it locally.
    with urllib.request.urlopen(issuer.jwks_url) as response:
        key_set = jwt.PyJWKSet.from_json(response.read().decode())
    key = key_set[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, object] = jwt.decode(
        token, key, algorithms=["RS256"], audience=issuer.audience, issuer=issuer.issuer
    )
    return claims


def test_a_minted_token_verifies_against_the_jwks_file(dev_issuer: DevIssuer) -> None:
    token = dev_issuer.mint("user-1", ["org_admin", "member"], org_id="org-9")
    claims = _verify(dev_issuer, token)
    assert claims["sub"] == "user-1"
    assert claims["roles"] == ["org_admin", "member"]
    assert claims["org_id"] == "org-9"


def test_a_token_signed_with_another_key_is_rejected(dev_issuer: DevIssuer, tmp_path: Path) -> None:
    impostor = DevIssuer(tmp_path)
    forged = jwt.encode(
        {"iss": dev_issuer.issuer, "aud": dev_issuer.audience, "sub": "x", "exp": time.time() + 60},
        impostor._key,
        algorithm="RS256",
        headers={"kid": dev_issuer.kid},
    )
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(dev_issuer, forged)


def test_an_expired_token_is_rejected(dev_issuer: DevIssuer) -> None:
    token = dev_issuer.mint("user-1", ["member"], exp=int(time.time()) - 60)
    with pytest.raises(jwt.ExpiredSignatureError):
        _verify(dev_issuer, token)


def test_a_network_admin_token_carries_no_organisation(dev_issuer: DevIssuer) -> None:
    claims = _verify(dev_issuer, dev_issuer.mint("admin", ["network_admin"]))
    assert "org_id" not in claims


def test_the_signing_key_survives_a_restart(tmp_path: Path) -> None:
    assert DevIssuer(tmp_path).kid == DevIssuer(tmp_path).kid


def test_an_unknown_role_is_refused(dev_issuer: DevIssuer) -> None:
    with pytest.raises(ValueError):
        dev_issuer.mint("user-1", ["superuser"])
