"""The issuer's signing keys (its JWKS), fetched off the event loop, cached, and fetched again when they rotate.

A fetch runs urllib on a worker thread (`asyncio.to_thread`): it is rare (once per `max_age_s`, or for a
token naming a key not seen yet), urllib is loaded anyway by PyJWT, and the same call reads the file://
JWKS of development. An async HTTP client would add a dependency, and its import memory, to every
process for a request made a few times an hour.
"""

import asyncio
import json
import logging
import math
import time
from typing import Any
from urllib.parse import urlparse
from urllib.request import Request, urlopen

import jwt

log = logging.getLogger(__name__)

# An issuer publishes a handful of keys; anything much larger is not a JWKS we want to parse.
_MAX_BYTES = 1 << 20


class KeysUnavailable(Exception):
    """No key set could be fetched from the issuer yet."""


_LOOPBACK = ("localhost", "127.0.0.1")


def check_jwks_url(url: str) -> str:
    """https://, or plain http:// to this machine, or file:// for development."""
    parsed = urlparse(url)
    if parsed.scheme in ("https", "file") or (parsed.scheme == "http" and parsed.hostname in _LOOPBACK):
        return url
    raise ValueError(f"OIDC_JWKS_URL must be https:// (or file:// for development), got {url!r}")


class KeySet:
    """Public keys by key id. Kept `max_age_s`, then fetched again in the background while the old set still
    answers; a key id not in the set fetches at once. Fetches are shared by everyone waiting for one, and
    start at most once per `min_interval_s`, so tokens naming made-up key ids cannot flood the issuer."""

    def __init__(
        self, url: str, *, max_age_s: float = 300.0, min_interval_s: float = 10.0, timeout_s: float = 5.0
    ) -> None:
        self.url = check_jwks_url(url)
        self.max_age_s, self.min_interval_s, self.timeout_s = max_age_s, min_interval_s, timeout_s
        self._keys: dict[str | None, Any] = {}
        self._fetched_at = -math.inf  # last fetch that succeeded
        self._started_at = -math.inf  # last fetch begun, successful or not: the rate limit
        self._fetch: asyncio.Task[None] | None = None

    def trusts(self, kid: str | None) -> bool:
        """Whether the key is (still) published; cheap, so a cached token can ask on every call."""
        self._refresh_if_old()
        return kid in self._keys

    async def key(self, kid: str | None) -> tuple[str | None, Any]:
        """The key id and public key a token naming `kid` is verified with."""
        self._refresh_if_old()
        found = self._find(kid)
        if found is None:
            fetch = self._start()
            if fetch is not None:
                # Shielded: a caller that goes away must not cancel a fetch others are waiting for.
                await asyncio.shield(fetch)
                found = self._find(kid)
        if found is not None:
            return found
        if not self._keys:
            raise KeysUnavailable(f"the issuer's keys could not be fetched from {self.url}")
        if kid is None:
            raise jwt.InvalidTokenError("the token names no key (kid) and the issuer has several")
        raise jwt.InvalidTokenError(f"no key with kid {kid!r} in the issuer's JWKS")

    def _find(self, kid: str | None) -> tuple[str | None, Any] | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.items()))
        key = self._keys.get(kid)
        return None if key is None else (kid, key)

    def _refresh_if_old(self) -> None:
        if self._keys and time.monotonic() - self._fetched_at >= self.max_age_s:
            self._start()

    def _start(self) -> "asyncio.Task[None] | None":
        """The fetch under way, a new one, or None while the rate limit holds."""
        if self._fetch is not None and not self._fetch.done():
            return self._fetch
        now = time.monotonic()
        if now - self._started_at < self.min_interval_s:
            return None
        self._started_at = now
        self._fetch = asyncio.get_running_loop().create_task(self._refresh(), name="jwks-refresh")
        return self._fetch

    async def _refresh(self) -> None:
        try:
            document = await asyncio.wait_for(asyncio.to_thread(_read, self.url, self.timeout_s), self.timeout_s)
            keys = _signing_keys(document)
        except Exception as exc:  # whatever went wrong, the last good set stays in use
            log.warning("could not fetch the issuer's keys from %s: %s", self.url, exc or type(exc).__name__)
            return
        if keys.keys() != self._keys.keys():
            log.info("issuer's signing keys from %s: %s", self.url, sorted(map(str, keys)))
        self._keys, self._fetched_at = keys, time.monotonic()


def _read(url: str, timeout_s: float) -> Any:
    """Blocking: run on a worker thread. urllib reads file:// URLs too."""
    with urlopen(Request(url, headers={"Accept": "application/json"}), timeout=timeout_s) as response:
        body = response.read(_MAX_BYTES + 1)
    if len(body) > _MAX_BYTES:
        raise ValueError(f"the JWKS is larger than {_MAX_BYTES} bytes")
    return json.loads(body)


def _signing_keys(document: Any) -> dict[str | None, Any]:
    if not isinstance(document, dict):
        raise ValueError("the JWKS is not a JSON object")
    keys = {jwk.key_id: jwk.key for jwk in jwt.PyJWKSet.from_dict(document).keys if jwk.public_key_use in ("sig", None)}
    if not keys:
        raise ValueError("the JWKS holds no signing keys")
    return keys
