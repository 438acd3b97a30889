"""No existence oracle: someone who may not see an object cannot tell it from one that does not exist.

For every /v1 endpoint with a path id, of each service in SERVICES (from its live OpenAPI document), as an
admin of another organisation, as a plain member of it (the wrong role) and as an outsider with no role: one
call naming a real object of that service's database (REAL_IDS: a query per path parameter; a parameter
without one fails the test, so a new endpoint must be added there) and the same call naming a random id
instead. Unless the caller may read the object (its own GET, `/v1/meetings/{meeting_id}`, answers them 2xx:
that it exists is no secret from them; what they may do with it the services' authorisation matrices decide),
both answers must be the same status with the same problem type; a 2xx for the real one counts too (an empty
list for a real cycle and a 404 for a random one tell as much as a 403 does), unless the object has no GET of
its own to say whether the caller may read it. A 403 for both is fine: a refusal that does not depend on
existence.

The objects are those the earlier tests of the session made (the demo's network, meetings, programme and
benchmark, the webhooks and deliveries of notifications' failure tests): run it with them, e.g. `pytest
services/benchmark/tests/test_demo.py services/notifications/tests/test_failures.py tests/test_demo.py
tests/test_no_existence_oracle.py` (`make test` runs those before it).
"""

import contextlib
import importlib
import re
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
import schemathesis
from fastapi import FastAPI
from npd_contracts import Envelope, MemberJoined, OrganisationKind, PersonRegistered, PersonRoleGranted, Role
from npd_membership.models import organisations, people, person_roles
from schemathesis import GenerationMode
from schemathesis.core import NotSet
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert

SERVICES = ("membership", "events", "benchmark", "notifications")
PROBLEM = "application/problem+json"

# Path parameters that name no object of anyone's: a fixed valid value, not varied.
FIXED = {
    "role": "member",
    "number": "1",
    "category": "meetings",
    "chart": "distribution",
    "fmt": "svg",
    "questionnaire_id": "cx-maturity-scan",
}
# A query for a real id per path parameter, per service; a query may use the ids chosen for the parameters
# before it in the path (`:meeting_id`), so that the combination exists.
REAL_IDS: dict[str, dict[str, str]] = {
    "membership": {
        "org_id": "SELECT id FROM organisations WHERE status = 'member' ORDER BY applied_at LIMIT 1",
        "person_id": "SELECT id FROM people WHERE status = 'active' ORDER BY registered_at LIMIT 1",
        "invitation_id": "SELECT id FROM invitations ORDER BY created_at LIMIT 1",
        "group_id": "SELECT id FROM groups ORDER BY created_at LIMIT 1",
        "position_id": "SELECT id FROM positions ORDER BY created_at LIMIT 1",
        # One with an interest where there is one, so that interest_id below finds a real one.
        "opportunity_id": "SELECT o.id FROM opportunities o ORDER BY EXISTS (SELECT 1 FROM opportunity_interests i "
        "WHERE i.opportunity_id = o.id) DESC, o.id LIMIT 1",
        "interest_id": "SELECT id FROM opportunity_interests WHERE opportunity_id = :opportunity_id LIMIT 1",
    },
    "events": {
        # The most closed object of each kind where labels differ: a group's meeting, a group's practice, a
        # report for the network only; a public one would be readable by everyone and prove nothing.
        "meeting_id": "SELECT id FROM meetings ORDER BY audience = 'public', audience <> 'group', created_at LIMIT 1",
        "series_id": "SELECT id FROM series ORDER BY audience = 'public', created_at LIMIT 1",
        "venue_id": "SELECT id FROM venues ORDER BY created_at LIMIT 1",
        # One with a programme session, so that session_id below finds a real one.
        "call_id": "SELECT c.id FROM calls c ORDER BY EXISTS (SELECT 1 FROM programme_sessions s "
        "WHERE s.call_id = c.id) DESC, c.id LIMIT 1",
        "session_id": "SELECT id FROM programme_sessions WHERE call_id = :call_id LIMIT 1",
        "paper_id": "SELECT id FROM papers ORDER BY submitted_at LIMIT 1",
        "report_id": "SELECT id FROM reports ORDER BY visibility = 'public', id LIMIT 1",
        "practice_id": "SELECT id FROM practices ORDER BY label = 'public', label <> 'group', id LIMIT 1",
        "pilot_id": "SELECT id FROM pilots ORDER BY id LIMIT 1",
        "group_id": "SELECT id FROM groups LIMIT 1",
        "organisation_id": "SELECT id FROM organisations LIMIT 1",
        "person_id": "SELECT person_id FROM access_people WHERE gone_at IS NULL LIMIT 1",
    },
    "benchmark": {
        "cycle_id": "SELECT id FROM cycles ORDER BY id LIMIT 1",
        "submission_id": "SELECT id FROM submissions ORDER BY invited_at LIMIT 1",
        "action_id": "SELECT id FROM improvement_actions LIMIT 1",
        "org_id": "SELECT id FROM peers LIMIT 1",
        "version": "SELECT catalogue_version FROM kpis ORDER BY catalogue_version DESC, kpi_id LIMIT 1",
        "kpi_id": "SELECT kpi_id FROM kpis ORDER BY catalogue_version DESC, kpi_id LIMIT 1",
    },
    "notifications": {
        "notification_id": "SELECT id FROM notifications LIMIT 1",
        # One with a webhook delivery, so that delivery_id below finds a real one.
        "subscription_id": "SELECT s.id FROM webhook_subscriptions s ORDER BY EXISTS (SELECT 1 FROM deliveries d "
        "WHERE d.channel = 'webhook' AND d.recipient = s.id::text) DESC, s.id LIMIT 1",
        "delivery_id": "SELECT id FROM deliveries WHERE channel = 'webhook' AND recipient = :subscription_id LIMIT 1",
        "organisation_id": "SELECT organisation_id FROM recipient_organisations LIMIT 1",
        "group_id": "SELECT group_id FROM recipient_groups LIMIT 1",
    },
}
# Parameters that name a catalogue entry, readable by everyone: kept real, never varied.
NOT_VARIED = {("benchmark", "version"), ("benchmark", "kpi_id")}


def _settings(service: str, service_settings: Callable[..., dict[str, Any]]) -> Any:
    config = importlib.import_module(f"npd_{service}.config")
    return getattr(config, f"{service.capitalize()}Settings")(**service_settings(service))


@pytest_asyncio.fixture(scope="module")
async def apps(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> AsyncIterator[dict[str, tuple[FastAPI, httpx.AsyncClient]]]:
    async with contextlib.AsyncExitStack() as stack:
        running: dict[str, tuple[FastAPI, httpx.AsyncClient]] = {}
        for service in SERVICES:
            app = importlib.import_module(f"npd_{service}.main").create_app(_settings(service, service_settings))
            running[service] = (app, await stack.enter_async_context(run_app(app)))
        yield running


@pytest_asyncio.fixture(scope="module")
async def callers(
    apps: dict[str, tuple[FastAPI, httpx.AsyncClient]], token: Callable[..., dict[str, str]]
) -> dict[str, dict[str, str]]:
    """An admin and a plain member (the wrong role for most acts) of a fresh organisation of the network, known
    to every service as membership's events would make them known; and an outsider: a valid token for someone
    the network does not know."""
    org, admin, member = uuid4(), f"oracle-admin-{uuid4().hex[:8]}", f"oracle-member-{uuid4().hex[:8]}"
    roles = {admin: (Role.ORG_ADMIN, Role.MEMBER), member: (Role.MEMBER,)}
    now = datetime.now(UTC)
    async with apps["membership"][0].state.sessions() as session, session.begin():
        await session.execute(
            insert(organisations).values(
                id=org, name=f"Oracle {org.hex[:8]}", kind="municipality", domains=[], status="member",
                contact_person_id=admin, contact_name=admin, contact_email="oracle@example.nl",
                applied_at=now, status_changed_at=now, joined_at=now,
            )
        )  # fmt: skip
        for person, granted in roles.items():
            await session.execute(
                insert(people).values(
                    id=person, organisation_id=org, name=person, email=f"{person}@example.nl", language="nl",
                    visibility="network", status="active", registered_at=now,
                )
            )  # fmt: skip
            for role in granted:
                await session.execute(
                    insert(person_roles).values(person_id=person, role=role.value, organisation_id=org, granted_at=now)
                )
    joined = MemberJoined(
        organisation_id=org, name=f"Oracle {org.hex[:8]}", kind=OrganisationKind.MUNICIPALITY,
        contact_person_id=admin, joined_at=now,
    )  # fmt: skip
    events: list[Any] = [joined]
    for person, granted in roles.items():
        events.append(
            PersonRegistered(person_id=person, organisation_id=org, name=person, language="nl", registered_at=now)
        )
        events += [PersonRoleGranted(person_id=person, role=r, organisation_id=org, granted_at=now) for r in granted]
    for service in (s for s in SERVICES if s != "membership"):  # membership reads its own tables
        app = apps[service][0]
        handlers = importlib.import_module(f"npd_{service}.main").spec(app.state.settings).consumes
        async with app.state.sessions() as session, session.begin():
            for event in events:
                if type(event) in handlers:
                    await handlers[type(event)](session, [Envelope(data=event, source="/tests/oracle")])
    return {
        "another organisation's admin": token(admin),
        "another organisation's member": token(member),
        "an outsider": token(f"outsider-{uuid4().hex[:8]}"),
    }


def operations(app: FastAPI, service: str) -> list[tuple[str, str, list[str]]]:
    """(method, path, path parameters) of every /v1 operation with a path parameter, anonymous ones aside."""
    anonymous = tuple(getattr(importlib.import_module(f"npd_{service}.main"), "ANONYMOUS", ()))
    found = []
    for path, item in app.openapi()["paths"].items():
        names = re.findall(r"\{([^}]+)\}", path)
        if not path.startswith("/v1/") or path.startswith(anonymous) or not names:
            continue
        found += [(method.upper(), path, names) for method in item if method in ("get", "put", "post", "delete")]
    return found


def home_paths(found: list[tuple[str, str, list[str]]]) -> dict[str, str]:
    """Per path parameter, the GET that reads the object it names (`/v1/meetings/{meeting_id}`), where one is."""
    homes: dict[str, str] = {}
    for method, path, names in found:
        if method == "GET" and len(names) == 1 and path.endswith("{" + names[0] + "}"):
            homes[names[0]] = path
    return homes


async def real_ids(app: FastAPI, service: str, names: list[str]) -> dict[str, str]:
    chosen: dict[str, str] = {}
    async with app.state.sessions() as session:
        for name in names:
            if name in FIXED:
                chosen[name] = FIXED[name]
                continue
            assert name in REAL_IDS[service], f"{service}: no query for a real {name}: add one to REAL_IDS"
            sql = REAL_IDS[service][name]
            bound = {k: v for k, v in chosen.items() if f":{k}" in sql}
            value = (await session.execute(text(sql), bound)).scalar()
            assert value is not None, f"{service} has no {name} for {sql!r} (run with the tests that make them)"
            chosen[name] = str(value)
    return chosen


def a_body(app: FastAPI, method: str, path: str) -> tuple[Any, str | None]:
    """A schema-valid body for the operation (so the call gets past validation to the lookup), or none."""
    schema = schemathesis.openapi.from_dict(app.openapi())
    operation = schema.find_operation_by_label(f"{method} {path}")
    assert operation is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        case = operation.as_strategy(generation_mode=GenerationMode.POSITIVE).example()
    return (None, None) if isinstance(case.body, NotSet) else (case.body, case.media_type)


async def answer(
    client: httpx.AsyncClient, method: str, path: str, ids: dict[str, str], body: Any, media: str | None, who: Any
) -> tuple[int, str | None]:
    url = re.sub(r"\{([^}]+)\}", lambda m: ids[m[1]], path)
    if media == "application/json":
        response = await client.request(method, url, json=body, headers=who)
    elif media is not None:
        content = body if isinstance(body, bytes) else str(body).encode()
        response = await client.request(method, url, content=content, headers={**who, "Content-Type": media})
    else:
        response = await client.request(method, url, headers=who)
    assert response.status_code < 500, (method, url, response.status_code, response.text)
    if response.status_code < 400:
        return response.status_code, None
    assert response.headers["content-type"].startswith(PROBLEM), (method, url, response.text)
    return response.status_code, response.json()["type"]


def _random_like(value: str) -> str:
    try:
        UUID(value)
    except ValueError:
        return f"nobody-{uuid4().hex[:12]}"
    return str(uuid4())


@pytest.mark.parametrize("service", SERVICES)
async def test_another_organisations_object_answers_as_one_that_does_not_exist(
    apps: dict[str, tuple[FastAPI, httpx.AsyncClient]], callers: dict[str, dict[str, str]], service: str
) -> None:
    app, client = apps[service]
    leaks, compared = [], 0
    homes = home_paths(operations(app, service))
    for method, path, names in operations(app, service):
        ids = await real_ids(app, service, names)
        body, media = a_body(app, method, path)
        for caller, who in callers.items():
            existing = await answer(client, method, path, ids, body, media, who)
            for name in names:
                if name in FIXED or (service, name) in NOT_VARIED:
                    continue
                home = homes.get(name)
                if existing[0] < 400 and home is None:
                    continue  # theirs to act on: the authorisation matrices decide who may
                if home is not None and (await answer(client, "GET", home, ids, None, None, who))[0] < 400:
                    continue  # they may see it: that it exists is no secret from them
                missing = await answer(client, method, path, ids | {name: _random_like(ids[name])}, body, media, who)
                compared += 1
                if missing != existing:
                    leaks.append(f"{caller}: {method} {path} with a real {name}: {existing}, a random one: {missing}")
    assert leaks == [], "\n".join(leaks)
    assert compared > 0


def body_ids(app: FastAPI, service: str, method: str, path: str) -> dict[str, str]:
    """The JSON body's fields that name an object of the service, each with its REAL_IDS parameter: the longest
    one its name is or ends with (`host_group_id`, `programme_group_id` -> group_id; `organisation_id` is also
    `org_id`)."""
    spec = app.openapi()
    content = spec["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    names = sorted((n for n in REAL_IDS[service] if (service, n) not in NOT_VARIED), key=len, reverse=True)
    found = {}
    for field in schema.get("properties", {}):
        spelt = (field, field.replace("organisation_id", "org_id"))  # membership's and benchmark's parameter
        name = next((n for n in names for f in spelt if f == n or f.endswith(f"_{n}")), None)
        if name is not None:
            found[field] = name
    return found


@pytest.mark.parametrize("service", SERVICES)
async def test_an_id_in_a_body_tells_an_outsider_no_more_than_one_in_a_path(
    apps: dict[str, tuple[FastAPI, httpx.AsyncClient]], callers: dict[str, dict[str, str]], service: str
) -> None:
    """The same comparison for ids a request body names (a meeting's host group and venue, a call's conference,
    a venue's or a webhook's organisation), as someone with no role: inside the network those objects are
    the network's to read (the authorisation matrices cover what may be done with them)."""
    app, client = apps[service]
    who, leaks, compared = callers["an outsider"], [], 0
    homes = home_paths(operations(app, service))
    anonymous = tuple(getattr(importlib.import_module(f"npd_{service}.main"), "ANONYMOUS", ()))
    for path, item in app.openapi()["paths"].items():
        if not path.startswith("/v1/") or path.startswith(anonymous):
            continue
        for method in (m.upper() for m in item if m in ("post", "put")):
            fields = body_ids(app, service, method, path)
            if not fields:
                continue
            names = [*re.findall(r"\{([^}]+)\}", path), *dict.fromkeys(fields.values())]
            ids = await real_ids(app, service, list(dict.fromkeys(names)))
            body, media = a_body(app, method, path)
            assert media == "application/json" and isinstance(body, dict), (method, path, media)
            real = body | {field: ids[name] for field, name in fields.items()}
            existing = await answer(client, method, path, ids, real, media, who)
            for field, name in fields.items():
                home = homes.get(name)
                if existing[0] < 400 and home is None:
                    continue
                if home is not None and (await answer(client, "GET", home, ids, None, None, who))[0] < 400:
                    continue
                random_body = real | {field: _random_like(ids[name])}
                missing = await answer(client, method, path, ids, random_body, media, who)
                compared += 1
                if missing != existing:
                    leaks.append(f"{method} {path} with a real {field}: {existing}, a random one: {missing}")
    assert leaks == [], "\n".join(leaks)
    assert compared > 0
