"""Calling webhook endpoints: the server-side request forgery guard (at subscription and again at every
call, since DNS can change) and the signed POST of Standard Webhooks."""

import asyncio
import socket
import time
from collections.abc import Sequence
from urllib.parse import urlsplit
from uuid import UUID

import httpx

from npd_notifications.config import NotificationsSettings
from npd_notifications.signing import forbidden_address, webhook_signature


class ForbiddenTarget(ValueError):
    """The URL points at an address no webhook may reach (loopback, private, link-local, ...)."""


async def check_target(url: str, settings: NotificationsSettings) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to any internal address, unless the operator
    allows private targets or this host (NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE, NOTIFICATIONS_WEBHOOK_ALLOW_HOSTS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ForbiddenTarget(f"{url!r} is not an http(s) URL with a host")
    host = parts.hostname
    if settings.webhook_allow_private or host in settings.webhook_allow_hosts:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ForbiddenTarget(f"the host {host} cannot be resolved: {exc}") from exc
    blocked = sorted({str(info[4][0]) for info in infos if forbidden_address(str(info[4][0]))})
    if blocked:
        raise ForbiddenTarget(f"the host {host} resolves to an internal address ({', '.join(blocked)})")


class WebhookCaller:
    def __init__(self, settings: NotificationsSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        # No redirects: a 3xx to an internal address would get round the guard.
        self._client = httpx.AsyncClient(
            timeout=settings.webhook_timeout_s,
            follow_redirects=False,
            transport=transport,
            headers={"user-agent": "npd-notifications-webhooks/1"},
        )

    async def call(self, url: str, secrets: Sequence[str], delivery_id: UUID, body: bytes) -> int:
        """POST the body, signed; the HTTP status, or ForbiddenTarget, or httpx.HTTPError when unreachable."""
        await check_target(url, self._settings)
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": str(delivery_id),
            "webhook-timestamp": str(timestamp),
            "webhook-signature": webhook_signature(secrets, str(delivery_id), timestamp, body),
        }
        response = await self._client.post(url, content=body, headers=headers)
        return response.status_code

    async def close(self) -> None:
        await self._client.aclose()
