"""Who may do what in notifications: one row per (caller, call), each against real data.

Webhook subscriptions belong to an organisation (its org admins manage them) or to the network (network
admins); anyone else is told they do not exist. Announcements are the network admins'.
"""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from npd_contracts import GroupCreated, Role

Headers = dict[str, str]

ANNOUNCEMENT = {"title_nl": "T", "body_nl": "B", "title_en": "T", "body_en": "B"}


@pytest.fixture
async def world(kit: Any, receiver: Any, token: Callable[..., Headers]) -> dict[str, Any]:
    org_a, org_b = uuid4(), uuid4()
    people = {
        "network_admin": await kit.person(roles=(Role.NETWORK_ADMIN,), email=None),
        "org_admin_a": await kit.person(org=org_a, roles=(Role.ORG_ADMIN, Role.MEMBER), email=None),
        "org_admin_b": await kit.person(org=org_b, roles=(Role.ORG_ADMIN, Role.MEMBER), email=None),
        "member_a": await kit.person(org=org_a, roles=(Role.MEMBER,), email=None),
    }
    tokens = {who: token(pid) for who, (pid, _) in people.items()} | {"outsider": token(f"x-{uuid4().hex[:6]}")}
    client = kit.app.state.client
    body = {"url": receiver.url("/matrix"), "event_types": [GroupCreated.TYPE]}
    network = await client.post("/v1/webhooks", json=body, headers=tokens["network_admin"])
    mine = await client.post("/v1/webhooks", json=body | {"organisation_id": str(org_a)}, headers=tokens["org_admin_a"])
    assert network.status_code == mine.status_code == 201, (network.text, mine.text)
    return {
        "tokens": tokens,
        "org_a": org_a,
        "org_b": org_b,
        "network_hook": network.json()["id"],
        "org_a_hook": mine.json()["id"],
        "body": body,
    }


# (caller, method, path, body, expected status); {a}, {b}: the organisations, {N}, {A}: the subscriptions.
ROWS = [
    ("network_admin", "POST", "/v1/webhooks", "network", 201),
    ("org_admin_a", "POST", "/v1/webhooks", "network", 403),
    ("member_a", "POST", "/v1/webhooks", "network", 403),
    ("outsider", "POST", "/v1/webhooks", "network", 403),
    ("org_admin_a", "POST", "/v1/webhooks", "org_a", 201),
    ("network_admin", "POST", "/v1/webhooks", "org_a", 201),
    ("org_admin_b", "POST", "/v1/webhooks", "org_a", 403),
    ("member_a", "POST", "/v1/webhooks", "org_a", 403),
    ("org_admin_a", "GET", "/v1/webhooks/{A}", None, 200),
    ("network_admin", "GET", "/v1/webhooks/{A}", None, 200),
    ("org_admin_b", "GET", "/v1/webhooks/{A}", None, 404),
    ("member_a", "GET", "/v1/webhooks/{A}", None, 404),
    ("outsider", "GET", "/v1/webhooks/{A}", None, 404),
    ("org_admin_a", "GET", "/v1/webhooks/{N}", None, 404),
    ("network_admin", "GET", "/v1/webhooks/{N}", None, 200),
    ("org_admin_b", "POST", "/v1/webhooks/{A}/enable", None, 404),
    ("org_admin_b", "POST", "/v1/webhooks/{A}/rotate-secret", None, 404),
    ("org_admin_a", "POST", "/v1/webhooks/{A}/rotate-secret", None, 200),
    ("org_admin_b", "GET", "/v1/webhooks/{A}/deliveries", None, 404),
    ("org_admin_a", "GET", "/v1/webhooks/{A}/deliveries", None, 200),
    ("org_admin_b", "DELETE", "/v1/webhooks/{A}", None, 404),
    ("org_admin_a", "DELETE", "/v1/webhooks/{N}", None, 404),
    ("org_admin_a", "DELETE", "/v1/webhooks/{A}", None, 204),
    ("network_admin", "POST", "/v1/organisations/{a}/announcements", "announcement", 201),
    ("org_admin_a", "POST", "/v1/organisations/{a}/announcements", "announcement", 403),
    ("member_a", "POST", "/v1/announcements", "announcement", 403),
    ("org_admin_a", "POST", "/v1/announcements", "announcement", 403),
    ("outsider", "GET", "/v1/preferences", None, 403),
    ("member_a", "GET", "/v1/preferences", None, 200),
    ("outsider", "GET", "/v1/inbox", None, 403),
]


@pytest.mark.parametrize(("caller", "method", "path", "body", "expected"), ROWS)
async def test_who_may_do_what(
    world: dict[str, Any], kit: Any, caller: str, method: str, path: str, body: str | None, expected: int
) -> None:
    url = path.format(a=world["org_a"], b=world["org_b"], N=world["network_hook"], A=world["org_a_hook"])
    payload = {
        None: None,
        "network": world["body"],
        "org_a": world["body"] | {"organisation_id": str(world["org_a"])},
        "announcement": ANNOUNCEMENT,
    }[body]
    response = await kit.app.state.client.request(method, url, json=payload, headers=world["tokens"][caller])
    assert response.status_code == expected, response.text
    if method == "GET" and expected == 200 and "/v1/webhooks/" in url and "deliveries" not in url:
        assert "secret" not in response.json()  # the secret is shown once, at creation or rotation
