"""Signatures and address checks, without I/O: Standard Webhooks signing, one-click unsubscribe tokens, and
which IP addresses a webhook may not reach (server-side request forgery)."""

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Iterable
from datetime import datetime

SECRET_PREFIX = "whsec_"


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def webhook_signature(secrets_: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` per secret, space-separated
    (during a rotation both the new and the old secret sign, so a receiver holding either accepts)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(s), signed, hashlib.sha256).digest()).decode() for s in secrets_
    )


# -- one-click unsubscribe ---------------------------------------------------------------------------------


class BadToken(ValueError):
    def __init__(self, why: str) -> None:
        super().__init__(f"this unsubscribe link is not valid: {why}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unsubscribe_token(key: bytes, person_id: str, category: str, expires: datetime) -> str:
    """`payload.signature`, both base64url: who, which category, until when; signed with HMAC-SHA256."""
    payload = _b64(json.dumps({"p": person_id, "c": category, "e": int(expires.timestamp())}).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def read_unsubscribe_token(key: bytes, token: str, now: datetime) -> tuple[str, str]:
    """(person id, category) of a valid token; BadToken when forged, damaged or expired."""
    payload, _, signature = token.partition(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise BadToken("the signature does not match")
    try:
        data = json.loads(_unb64(payload))
        person_id, category, expires = str(data["p"]), str(data["c"]), int(data["e"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BadToken("it cannot be read") from exc
    if now.timestamp() > expires:
        raise BadToken("it has expired; use the link in a more recent mail or change your preferences")
    return person_id, category


# -- server-side request forgery -------------------------------------------------------------------------


def forbidden_address(address: str) -> bool:
    """Loopback, private, link-local (cloud metadata), multicast, reserved or unspecified: never a webhook
    target unless an operator allows it."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )
