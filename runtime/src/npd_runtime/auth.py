"""OIDC bearer tokens: a JWT signed by the issuer, verified against its JWKS (https:// or, locally, file://).

Claims used: `sub` (the person), `roles` (network_admin, org_admin, member) and `org_id` (the
organisation an org_admin or member belongs to).
"""

import json
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse
from uuid import UUID

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from npd_runtime.problems import Forbidden, Problem

ALGORITHMS = ["RS256", "ES256"]
# Clients reuse one access token for many calls; verifying its RSA signature each time is the costliest
# step of a request. Insertion-ordered dict, oldest evicted first.
_CACHE_SIZE = 4096


class Role(StrEnum):
    NETWORK_ADMIN = "network_admin"
    ORG_ADMIN = "org_admin"
    MEMBER = "member"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the token says."""

    person_id: str
    roles: frozenset[Role]
    org_id: UUID | None

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_network_admin(self) -> bool:
        return Role.NETWORK_ADMIN in self.roles

    def administers(self, org_id: UUID) -> bool:
        return self.is_network_admin or (Role.ORG_ADMIN in self.roles and self.org_id == org_id)


class Unauthenticated(Problem):
    def __init__(self, detail: str, error: str = "invalid_token") -> None:
        challenge = f'Bearer error="{error}", error_description="{detail}"' if error else "Bearer"
        super().__init__(401, "unauthenticated", "Authentication required", detail, {"WWW-Authenticate": challenge})


class TokenVerifier:
    def __init__(self, *, issuer: str, audience: str, jwks_url: str) -> None:
        self.issuer, self.audience = issuer, audience
        self._verified: dict[str, tuple[Principal, float]] = {}
        url = urlparse(jwks_url)
        if url.scheme == "file":
            self._keys: jwt.PyJWKSet | None = jwt.PyJWKSet.from_dict(json.loads(Path(url.path).read_text()))
            self._client: jwt.PyJWKClient | None = None
        elif url.scheme == "https" or url.hostname in ("localhost", "127.0.0.1"):
            self._keys, self._client = None, jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300)
        else:
            raise ValueError(f"OIDC_JWKS_URL must be https:// (or file:// for development), got {jwks_url!r}")

    def _signing_key(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        assert self._keys is not None
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._keys.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise jwt.InvalidTokenError(f"no key with kid {kid!r} in the issuer's JWKS")

    def verify(self, token: str) -> Principal:
        """The token's principal; a token already verified is answered from a small cache until it expires."""
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires = self._verify(token)
        if len(self._verified) >= _CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from None
        return _principal(claims), float(claims["exp"])


def _principal(claims: dict[str, Any]) -> Principal:
    raw_roles = claims.get("roles", [])
    if not isinstance(raw_roles, list):
        raise Unauthenticated("the token's roles claim must be a list")
    roles = frozenset(Role(r) for r in raw_roles if r in Role._value2member_map_)
    org_id = claims.get("org_id")
    try:
        org = UUID(str(org_id)) if org_id else None
    except ValueError:
        raise Unauthenticated("the token's org_id claim is not a UUID") from None
    return Principal(person_id=str(claims["sub"]), roles=roles, org_id=org)


# Declared so OpenAPI shows the scheme; errors are ours (auto_error would answer 403 for a missing token).
_bearer = HTTPBearer(auto_error=False, description="OIDC access token (JWT) from the network's issuer")


def authenticate(authorization: str | None, verifier: TokenVerifier) -> Principal:
    """The caller named by an Authorization header, or Unauthenticated saying what is wrong with it."""
    if not authorization:
        raise Unauthenticated("this endpoint needs a bearer token in the Authorization header", error="")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'", error="invalid_request")
    return verifier.verify(token.strip())


class Authentication:
    """ASGI middleware: every call under /v1 is authenticated before anything reads its body, so a caller
    without a valid token learns nothing but 401 (not, say, that its JSON was malformed)."""

    def __init__(self, app: ASGIApp, prefix: str = "/v1/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            principal = authenticate(request.headers.get("authorization"), request.app.state.token_verifier)
        except Unauthenticated as exc:
            await exc.response(request)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


# async, though it awaits nothing: FastAPI runs a plain `def` dependency on a worker thread, a hop that
# costs more than the verification itself. The bearer scheme is declared so OpenAPI shows it.
async def current_principal(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    return authenticate(request.headers.get("authorization"), request.app.state.token_verifier)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(principal: Principal, role: Role) -> None:
    if not principal.has(role):
        raise Forbidden(f"this action needs the {role.value} role")
