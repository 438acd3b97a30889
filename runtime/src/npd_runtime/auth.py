"""Who calls and what they may do.

A bearer token (OIDC JWT, verified against the issuer's JWKS, https:// or locally file://) proves identity
only: its `sub` names the person. What that person may do comes from membership's data, through the
service's access source (`npd_runtime.access`), so a revoked role takes effect within seconds rather than
at the token's expiry. A token's `roles` and `org_id` claims are ignored (docs/decisions.md 32).
"""

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from npd_runtime.jwks import KeySet, KeysUnavailable
from npd_runtime.problems import Forbidden, Problem
from npd_runtime.reads import Query, Reads

ALGORITHMS = ["RS256", "ES256"]
# Clients reuse one access token for many calls; verifying its RSA signature each time is the costliest
# step of a request. Insertion-ordered dict, oldest evicted first.
_CACHE_SIZE = 4096


class Role(StrEnum):
    """The network's roles (membership owns them); all but network_admin hold within one organisation."""

    NETWORK_ADMIN = "network_admin"
    ORG_ADMIN = "org_admin"
    BOARD_MEMBER = "board_member"
    ADVISER = "adviser"
    MEMBER = "member"


class GroupRole(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"


@dataclass(frozen=True)
class Identity:
    """Who is calling, as the token proves: nothing more."""

    person_id: str


@dataclass(frozen=True)
class Access:
    """What membership's data says a person may do: their organisation, roles and groups.

    A person the data does not know has no organisation, roles or groups.
    """

    org_id: UUID | None = None
    roles: frozenset[Role] = frozenset()
    groups: Mapping[UUID, GroupRole] = field(default_factory=dict)


def access_of(rows: Iterable[Any]) -> Access:
    """Access from `(kind, id, role)` rows: ('person', organisation id, None), ('role', organisation id, role),
    ('group', group id, group role). Roles this runtime does not know yet are ignored, not trusted."""
    person_org: UUID | None = None
    role_org: UUID | None = None
    known_person = False
    roles: set[Role] = set()
    groups: dict[UUID, GroupRole] = {}
    for kind, ref, role in rows:
        if kind == "person":
            known_person, person_org = True, UUID(ref) if ref else None
        elif kind == "role" and role in Role._value2member_map_:
            roles.add(Role(role))
            role_org = role_org or (UUID(ref) if ref else None)
        elif kind == "group" and role in GroupRole._value2member_map_:
            groups[UUID(ref)] = GroupRole(role)
    # A role granted before the person's registration arrived still names their organisation.
    return Access(person_org if known_person else role_org, frozenset(roles), groups)


@dataclass(frozen=True)
class Principal:
    """Who is calling (from the token) and what they may do (from membership's data)."""

    person_id: str
    org_id: UUID | None = None
    roles: frozenset[Role] = frozenset()
    groups: Mapping[UUID, GroupRole] = field(default_factory=dict)

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_network_admin(self) -> bool:
        return Role.NETWORK_ADMIN in self.roles

    @property
    def in_network(self) -> bool:
        """Holds any role: a member of the network (or its staff), not just someone with a token."""
        return bool(self.roles)

    def administers(self, org_id: UUID) -> bool:
        return self.is_network_admin or (Role.ORG_ADMIN in self.roles and self.org_id == org_id)

    def in_group(self, group_id: UUID) -> bool:
        return group_id in self.groups

    def chairs(self, group_id: UUID) -> bool:
        return self.groups.get(group_id) is GroupRole.CHAIR


class Principals:
    """Principals built from the service's access query (`(kind, id, role)` rows of one person, read by
    `access_of`), each load one statement on the service's Reads: no session, no BEGIN and COMMIT around it.

    A busy client would otherwise cost a query per request; its access is kept `ttl_s` seconds (0: never
    kept), which bounds how long a revoked role still works in this process.
    """

    def __init__(self, query: Query, reads: Reads, *, ttl_s: float = 1.0) -> None:
        self.query, self.reads, self.ttl_s = query, reads, ttl_s
        self._kept: dict[str, tuple[float, Principal]] = {}  # person -> (kept until, principal)

    async def of(self, person_id: str) -> Principal:
        now = time.monotonic()
        kept = self._kept.get(person_id)
        if kept is not None and kept[0] > now:
            return kept[1]
        access = access_of(await self.reads.records(self.query, person_id=person_id))
        principal = Principal(person_id, access.org_id, access.roles, access.groups)
        if self.ttl_s > 0:
            if len(self._kept) >= _CACHE_SIZE:
                self._kept.pop(next(iter(self._kept)))
            self._kept[person_id] = (now + self.ttl_s, principal)
        return principal


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
        # token -> (identity, expiry, id of the key that signed it)
        self._verified: dict[str, tuple[Identity, float, str | None]] = {}

    async def verify(self, token: str) -> Identity:
        """Who the token names; a token already verified is answered from a small cache until it expires, or
        until the issuer stops publishing the key that signed it."""
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time() and self.keys.trusts(cached[2]):
            return cached[0]
        identity, expires, kid = await self._verify(token)
        if len(self._verified) >= _CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (identity, expires, kid)
        return identity

    async def _verify(self, token: str) -> tuple[Identity, float, str | None]:
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
        # Only the subject: roles come from membership's data, never from the token.
        return Identity(str(claims["sub"])), float(claims["exp"]), kid


class _DeclaredBearer(HTTPBearer):
    """The bearer scheme, declared so OpenAPI shows it. It reads nothing: the edge middleware has verified the
    token before the route runs, and current_principal reads the header itself if it has not."""

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        return None


# Errors are ours (auto_error would answer 403 for a missing token).
_bearer = _DeclaredBearer(auto_error=False, description="OIDC access token (JWT) from the network's issuer")


async def authenticate(authorization: str | None, verifier: TokenVerifier) -> Identity:
    """The caller named by an Authorization header, or Unauthenticated saying what is wrong with it."""
    if not authorization:
        raise Unauthenticated("this endpoint needs a bearer token in the Authorization header", error="")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'", error="invalid_request")
    return await verifier.verify(token.strip())


# The bearer scheme is declared so OpenAPI shows it; the edge middleware has normally verified the token.
async def current_identity(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Identity:
    identity = getattr(request.state, "identity", None)
    if isinstance(identity, Identity):
        return identity
    return await authenticate(request.headers.get("authorization"), request.app.state.token_verifier)


IdentityDep = Annotated[Identity, Depends(current_identity)]


async def current_principal(request: Request, identity: IdentityDep) -> Principal:
    """The caller with what membership's data lets them do (see Principals for how fresh that is)."""
    principals: Principals = request.app.state.principals
    return await principals.of(identity.person_id)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(principal: Principal, role: Role) -> None:
    if not principal.has(role):
        raise Forbidden(f"this action needs the {role.value} role")


def require_network(principal: Principal) -> None:
    if not principal.in_network:
        raise Forbidden("this needs a role in the network: membership does not know this person as a member")
