"""A local stand-in for the platform's OIDC provider: one RSA key on disk, a JWKS file, RS256 tokens."""

import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from npd_devstack.cache import file_lock

ISSUER = "http://npd-dev-issuer.local"
AUDIENCE = "npd-platform"
# Services ignore role claims (membership owns roles: docs/decisions.md 32); minting them remains so tests can
# show that a token claiming a role gains nothing by it.
ROLES = frozenset({"network_admin", "org_admin", "board_member", "adviser", "member"})


def _thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 key id: stable for the key, so restarts never invalidate tokens already handed out."""
    canonical = json.dumps({k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class DevIssuer:
    """Keeps `signing-key.pem` and `jwks.json` in `directory`; the key is made once and reused."""

    issuer = ISSUER
    audience = AUDIENCE

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.jwks_path = directory / "jwks.json"
        directory.mkdir(parents=True, exist_ok=True)
        with file_lock(directory / ".lock"):
            self._key = self._load_or_create_key()
            public_jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
            self.kid = _thumbprint(public_jwk)
            jwks = {"keys": [{**public_jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}
            # Replaced whole, so a service reading it meanwhile never sees half a file.
            staging = self.jwks_path.with_suffix(".tmp")
            staging.write_text(json.dumps(jwks, indent=2) + "\n")
            staging.replace(self.jwks_path)

    @property
    def jwks_url(self) -> str:
        """A file:// URL; PyJWT's PyJWKClient reads it like an https one."""
        return self.jwks_path.absolute().as_uri()

    def mint(
        self,
        sub: str,
        roles: Sequence[str] = (),
        org_id: str | None = None,
        ttl_s: int = 3600,
        **extra: Any,
    ) -> str:
        """An RS256 access token naming `sub`; `extra` claims go in last so tests can forge an expired or foreign
        one. `roles` and `org_id` become claims only when given: services ignore them."""
        unknown = set(roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; expected some of {sorted(ROLES)}")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + ttl_s,
            "jti": str(uuid.uuid4()),
        }
        if roles:
            claims["roles"] = list(roles)
        if org_id is not None:
            claims["org_id"] = org_id
        claims.update(extra)
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def _load_or_create_key(self) -> rsa.RSAPrivateKey:
        key_path = self.directory / "signing-key.pem"
        if not key_path.is_file():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
        loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise TypeError(f"{key_path} does not hold an RSA private key")
        return loaded
