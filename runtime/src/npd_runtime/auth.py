"""OIDC bearer tokens: a JWT signed by the issuer, verified against its JWKS (https:// or, locally, file://).

Claims used: `sub` (the person), `roles` (network_admin, org_admin, member) and `org_id` (the
organisation an org_admin or member belongs to).
"""

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from npd_runtime.jwks import KeySet, KeysUnavailable
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


class IssuerUnavailable(Problem):
    def __init__(self) -> None:
        detail = "the issuer's signing keys cannot be fetched; retry shortly"
        super().__init__(503, "unavailable", "Service unavailable", detail, {"Retry-After": "5"})


class TokenVerifier:
    """Verifies bearer tokens against the issuer's JWKS (see `npd_runtime.jwks.KeySet` for how it is fetched)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str,
        max_key_age_s: float = 300.0,
        min_refresh_interval_s: float = 10.0,
        fetch_timeout_s: float = 5.0,
    ) -> None:
        self.issuer, self.audience = issuer, audience
        self.keys = KeySet(
            jwks_url, max_age_s=max_key_age_s, min_interval_s=min_refresh_interval_s, timeout_s=fetch_timeout_s
        )
        # token -> (principal, expiry, id of the key that signed it)
        self._verified: dict[str, tuple[Principal, float, str | None]] = {}

    async def verify(self, token: str) -> Principal:
        """The token's principal; a token already verified is answered from a small cache until it expires, or
        until the issuer stops publishing the key that signed it."""
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time() and self.keys.trusts(cached[2]):
            return cached[0]
        principal, expires, kid = await self._verify(token)
        if len(self._verified) >= _CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (principal, expires, kid)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float, str | None]:
        try:
            # PyJWT has checked that a kid, if any, is a string.
            kid, key = await self.keys.key(jwt.get_unverified_header(token).get("kid"))
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from None
        except KeysUnavailable:
            raise IssuerUnavailable() from None
        return _principal(claims), float(claims["exp"]), kid


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


class _DeclaredBearer(HTTPBearer):
    """The bearer scheme, declared so OpenAPI shows it. It reads nothing: the edge middleware has verified the
    token before the route runs, and current_principal reads the header itself if it has not."""

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        return None


# Errors are ours (auto_error would answer 403 for a missing token).
_bearer = _DeclaredBearer(auto_error=False, description="OIDC access token (JWT) from the network's issuer")


async def authenticate(authorization: str | None, verifier: TokenVerifier) -> Principal:
    """The caller named by an Authorization header, or Unauthenticated saying what is wrong with it."""
    if not authorization:
        raise Unauthenticated("this endpoint needs a bearer token in the Authorization header", error="")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'", error="invalid_request")
    return await verifier.verify(token.strip())


# The bearer scheme is declared so OpenAPI shows it; the edge middleware has normally verified the token.
async def current_principal(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    return await authenticate(request.headers.get("authorization"), request.app.state.token_verifier)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(principal: Principal, role: Role) -> None:
    if not principal.has(role):
        raise Forbidden(f"this action needs the {role.value} role")
