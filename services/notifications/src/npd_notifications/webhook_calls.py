"""Calling webhook endpoints: the server-side request forgery guard (at subscription and again at every
call, since DNS can change; the call then connects to the very address checked) and the signed POST of
Standard Webhooks."""

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import httpx

from npd_notifications.config import NotificationsSettings
from npd_notifications.signing import forbidden_address, webhook_signature


class ForbiddenTarget(ValueError):
    """The URL points at an address no webhook may reach (loopback, private, link-local, ...)."""


# A host's addresses, as the system resolver (or a test's) gives them.
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """Where a call goes: the URL as subscribed and the one address it was checked against, which the call
    then connects to, so DNS that changes between the check and the connection (rebinding) gains nothing."""

    url: str
    addresses: tuple[str, ...]  # empty: an operator-allowed host that did not resolve here; called by its name


async def check_target(url: str, settings: NotificationsSettings, resolve: Resolver = system_resolver) -> Target:
    """Refuse a URL that is not http(s), or whose host resolves to any internal address, unless the operator
    allows private targets or this host (NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE, NOTIFICATIONS_WEBHOOK_ALLOW_HOSTS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ForbiddenTarget(f"{url!r} is not an http(s) URL with a host")
    host = parts.hostname
    allowed = settings.webhook_allow_private or host in settings.webhook_allow_hosts
    try:
        addresses = await resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        if allowed:
            return Target(url, ())
        raise ForbiddenTarget(f"the host {host} cannot be resolved: {exc}") from exc
    if not addresses:
        raise ForbiddenTarget(f"the host {host} has no address")
    blocked = sorted({a for a in addresses if forbidden_address(a)})
    if blocked and not allowed:
        raise ForbiddenTarget(f"the host {host} resolves to an internal address ({', '.join(blocked)})")
    return Target(url, tuple(dict.fromkeys(addresses)))


def pinned(url: str, to: str | None) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The request for a URL sent to a checked address: the URL with that address for the host, the Host
    header and (for https) the TLS server name of the original host, so certificates are still checked
    against it."""
    parts = urlsplit(url)
    if to is None or parts.hostname is None:
        return url, {}, {}
    address = f"[{to}]" if ":" in to else to
    port = parts.port or (443 if parts.scheme == "https" else 80)
    url = urlunsplit((parts.scheme, f"{address}:{port}", parts.path, parts.query, ""))
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    if ":" in parts.hostname:
        host = f"[{parts.hostname}]" if parts.port is None else f"[{parts.hostname}]:{parts.port}"
    extensions: dict[str, Any] = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return url, {"host": host}, extensions


class WebhookCaller:
    def __init__(
        self,
        settings: NotificationsSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        resolve: Resolver = system_resolver,
    ) -> None:
        self._settings = settings
        self._resolve = resolve
        # No redirects: a 3xx to an internal address would get round the guard.
        self._client = httpx.AsyncClient(
            timeout=settings.webhook_timeout_s,
            follow_redirects=False,
            transport=transport,
            headers={"user-agent": "npd-notifications-webhooks/1"},
        )

    async def call(self, url: str, secrets: Sequence[str], delivery_id: UUID, body: bytes) -> int:
        """POST the body, signed, to the address just checked; the HTTP status, or ForbiddenTarget, or
        httpx.HTTPError when unreachable."""
        target = await check_target(url, self._settings, self._resolve)
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": str(delivery_id),
            "webhook-timestamp": str(timestamp),
            "webhook-signature": webhook_signature(secrets, str(delivery_id), timestamp, body),
        }
        # Each checked address in the resolver's order until one connects (a host with IPv4 and IPv6
        # addresses may listen on one only); never an address that was not checked.
        candidates: Sequence[str | None] = target.addresses[:4] or (None,)
        for n, address in enumerate(candidates):
            request_url, host, extensions = pinned(url, address)
            try:
                response = await self._client.post(
                    request_url, content=body, headers={**headers, **host}, extensions=extensions
                )
            except httpx.ConnectError:
                if n == len(candidates) - 1:
                    raise
                continue
            return response.status_code
        raise AssertionError("unreachable")

    async def close(self) -> None:
        await self._client.aclose()
