from pathlib import Path

import jwt
import pytest
from npd_devstack.cli import main
from npd_devstack.issuer import DevIssuer


def test_the_token_command_prints_a_token_of_the_cached_issuer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NPD_CACHE_DIR", str(tmp_path))

    assert main(["token", "--sub", "u-7", "--role", "member", "--org", "org-1", "--ttl", "60"]) == 0

    issuer = DevIssuer(tmp_path / "dev-issuer")
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, issuer._key.public_key(), algorithms=["RS256"], audience=issuer.audience)
    assert (claims["sub"], claims["roles"], claims["org_id"]) == ("u-7", ["member"], "org-1")
    assert claims["exp"] - claims["iat"] == 60
