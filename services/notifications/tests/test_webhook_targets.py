"""A webhook call connects to the very address its guard checked: DNS that answers differently between the
check and the connection (rebinding) gains nothing. Real HTTP to a receiver on loopback; only the name's
resolution is the test's, since no name server here can be made to lie."""

from typing import Any
from uuid import uuid4

import pytest
from npd_notifications.config import NotificationsSettings
from npd_notifications.webhook_calls import ForbiddenTarget, WebhookCaller, check_target, pinned


def settings(**overrides: Any) -> NotificationsSettings:
    return NotificationsSettings(
        database_url="postgresql+asyncpg://unused/x", oidc_issuer="unused", oidc_jwks_url="file:///unused", **overrides
    )


class Names:
    """A resolver that answers from a table and counts the questions."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table, self.asked = table, 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked += 1
        if host not in self.table:
            raise OSError(f"{host}: unknown")
        return self.table[host]


def test_the_request_goes_to_the_checked_address_under_the_original_name() -> None:
    assert pinned("http://hooks.example:8080/in?x=1", "192.0.2.7") == (
        "http://192.0.2.7:8080/in?x=1",
        {"host": "hooks.example:8080"},
        {},
    )
    assert pinned("https://hooks.example/in", "2001:db8::7") == (
        "https://[2001:db8::7]:443/in",
        {"host": "hooks.example"},
        {"sni_hostname": "hooks.example"},  # the certificate is checked against the name, not the address
    )
    assert pinned("https://hooks.example/in", None) == ("https://hooks.example/in", {}, {})


async def test_a_name_that_resolves_inside_is_refused_and_the_call_uses_one_answer_only(receiver: Any) -> None:
    names = Names({"hooks.example": ["127.0.0.1"], "rebind.example": ["8.8.8.8", "127.0.0.1"]})
    with pytest.raises(ForbiddenTarget, match="internal address"):
        await check_target("http://rebind.example/x", settings(), names)
    with pytest.raises(ForbiddenTarget, match="cannot be resolved"):
        await check_target("http://nowhere.example/x", settings(), names)

    caller = WebhookCaller(settings(webhook_allow_hosts=["hooks.example"]), resolve=names)
    path = f"/pinned/{uuid4().hex}"
    try:
        names.asked = 0
        status = await caller.call(
            f"http://hooks.example:{receiver.port}{path}", ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], uuid4(), b"{}"
        )
    finally:
        await caller.close()
    # hooks.example exists only in the test's table: the call reached the receiver by the checked address.
    assert status == 204 and names.asked == 1
    [call] = receiver.to(path)
    assert call.headers["host"] == f"hooks.example:{receiver.port}"


async def test_a_name_with_an_address_that_does_not_answer_is_called_at_its_next_checked_address(
    receiver: Any,
) -> None:
    names = Names({"dual.example": ["::1", "127.0.0.1"]})  # the receiver listens on IPv4 only
    caller = WebhookCaller(settings(webhook_allow_hosts=["dual.example"]), resolve=names)
    path = f"/dual/{uuid4().hex}"
    try:
        status = await caller.call(
            f"http://dual.example:{receiver.port}{path}", ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], uuid4(), b"{}"
        )
    finally:
        await caller.close()
    assert status == 204 and len(receiver.to(path)) == 1
