"""Who may do what, endpoint by endpoint: every organisation sees its own raw values and nobody else's
(network admins included), on every endpoint that touches values. Each row is one caller and one call."""

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from npd_benchmark.cycles.domain import submission_id

from .conftest import Headers, add_org, add_person, next_year

MARK = "3.337"  # organisation A's sickness absence: a value found nowhere else
ACTORS = ("admin", "a_admin", "a_member", "a_delegate", "b_admin", "b_member", "outsider")


@pytest_asyncio.fixture(scope="module")
async def world(app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]) -> dict[str, Any]:
    app, client = app_and_client
    orgs = [await add_org(app, f"Matrix {i}") for i in range(6)]
    a, b = orgs[0], orgs[1]
    await add_person(app, "m-admin", "network_admin")
    await add_person(app, "m-a-admin", "org_admin", org=a)
    await add_person(app, "m-a-member", "member", org=a)
    await add_person(app, "m-a-delegate", "member", org=orgs[2])
    await add_person(app, "m-b-admin", "org_admin", org=b)
    await add_person(app, "m-b-member", "member", org=b)
    headers = {
        "admin": token("m-admin"),
        "a_admin": token("m-a-admin"),
        "a_member": token("m-a-member"),
        "a_delegate": token("m-a-delegate"),
        "b_admin": token("m-b-admin"),
        "b_member": token("m-b-member"),
        "outsider": token("m-nobody"),
    }
    body = {"year": next_year(), "catalogue_version": "2026.1", "deadline": "2099-01-01T00:00:00Z", "k": 5}
    cycle = (await client.post("/v1/cycles", json=body, headers=headers["admin"])).json()["id"]
    for i, org in enumerate(orgs):
        sub = submission_id(UUID(cycle), org)
        await add_person(app, f"m-admin-{i}", "org_admin", org=org)
        h = token(f"m-admin-{i}")
        absence = float(MARK) if org == a else 5.1 + i
        values = {
            "employees_fte": 400 + 50 * i,
            "operating_cost": 40_000_000 + 1_000_000 * i,
            "sickness_absence_pct": absence,
            "overhead_fte_ratio": 20 + i,
            "customer_satisfaction": 7.0 + i / 10,
            "service_norm_compliance_pct": 80 + i,
        }
        entered = {"values": [{"kpi_id": k, "value": v} for k, v in values.items()]}
        entered["values"][2]["explanation"] = "new absence policy"
        assert (await client.put(f"/v1/submissions/{sub}/values", json=entered, headers=h)).status_code == 200
        assert (await client.post(f"/v1/submissions/{sub}/submit", headers=h)).status_code == 200
        assert (await client.post(f"/v1/submissions/{sub}/finalise", headers=headers["admin"])).status_code == 200
    sub_a = submission_id(UUID(cycle), a)
    delegated = await client.put(
        f"/v1/submissions/{sub_a}/delegate", json={"person_id": "m-a-delegate"}, headers=headers["a_admin"]
    )
    assert delegated.status_code == 200
    await client.post(f"/v1/cycles/{cycle}/close", headers=headers["admin"])
    assert (await client.post(f"/v1/cycles/{cycle}/publish", headers=headers["admin"])).status_code == 200
    action = {
        "kpi_id": "sickness_absence_pct",
        "title": "Absence policy",
        "owner": "HR",
        "started_on": "2026-01-01T00:00:00Z",
    }
    created = await client.post(f"/v1/organisations/{a}/actions", json=action, headers=headers["a_admin"])
    assert created.status_code == 201, created.text
    world = {"cycle": cycle, "a": a, "sub_a": sub_a, "action": created.json()["id"], "headers": headers}
    return world | {"nowhere": uuid4()}  # a cycle that does not exist


# (caller, method, path, status, may see A's raw value)
ROWS: list[tuple[str, str, str, int, bool]] = [
    ("a_admin", "GET", "/v1/submissions/{sub_a}", 200, True),
    ("a_member", "GET", "/v1/submissions/{sub_a}", 200, True),
    ("a_delegate", "GET", "/v1/submissions/{sub_a}", 200, True),
    ("admin", "GET", "/v1/submissions/{sub_a}", 200, False),
    ("b_admin", "GET", "/v1/submissions/{sub_a}", 404, False),
    ("b_member", "GET", "/v1/submissions/{sub_a}", 404, False),
    ("outsider", "GET", "/v1/submissions/{sub_a}", 404, False),
    ("a_member", "GET", "/v1/submissions/{sub_a}/history", 200, True),
    ("admin", "GET", "/v1/submissions/{sub_a}/history", 403, False),
    ("b_admin", "GET", "/v1/submissions/{sub_a}/history", 404, False),
    ("admin", "GET", "/v1/cycles/{cycle}/submissions", 200, False),
    ("b_admin", "GET", "/v1/cycles/{cycle}/submissions", 200, False),
    ("b_admin", "GET", "/v1/cycles/{nowhere}/submissions", 404, False),
    # Someone with no role is refused before the cycle is looked up: 403 either way (decision 111).
    ("outsider", "GET", "/v1/cycles/{cycle}/submissions", 403, False),
    ("outsider", "GET", "/v1/cycles/{nowhere}/submissions", 403, False),
    ("b_admin", "PUT", "/v1/submissions/{sub_a}/values", 404, False),
    ("a_member", "PUT", "/v1/submissions/{sub_a}/values", 403, False),
    ("admin", "PUT", "/v1/submissions/{sub_a}/values", 403, False),
    ("a_admin", "PUT", "/v1/submissions/{sub_a}/values", 409, False),
    ("b_admin", "POST", "/v1/submissions/{sub_a}/submit", 404, False),
    ("a_admin", "POST", "/v1/submissions/{sub_a}/return", 403, False),
    ("b_admin", "PUT", "/v1/submissions/{sub_a}/consent", 404, False),
    ("a_member", "PUT", "/v1/submissions/{sub_a}/consent", 403, False),
    ("b_admin", "PUT", "/v1/submissions/{sub_a}/delegate", 404, False),
    ("b_admin", "PUT", "/v1/submissions/{sub_a}/values/sickness_absence_pct/explanation", 404, False),
    ("b_admin", "POST", "/v1/submissions/{sub_a}/questionnaires/cx-maturity-scan", 404, False),
    ("a_member", "GET", "/v1/cycles/{cycle}/results", 200, False),
    ("b_member", "GET", "/v1/cycles/{cycle}/results", 200, False),
    ("outsider", "GET", "/v1/cycles/{cycle}/results", 403, False),
    ("b_member", "GET", "/v1/cycles/{cycle}/results/sickness_absence_pct/explanations", 200, False),
    ("a_member", "GET", "/v1/cycles/{cycle}/position", 200, True),
    ("b_member", "GET", "/v1/cycles/{cycle}/position", 200, False),
    ("admin", "GET", "/v1/cycles/{cycle}/position", 403, False),
    ("outsider", "GET", "/v1/cycles/{cycle}/position", 403, False),
    ("a_member", "GET", "/v1/cycles/{cycle}/report.csv", 200, True),
    ("b_member", "GET", "/v1/cycles/{cycle}/report.csv", 200, False),
    ("b_member", "GET", "/v1/cycles/{cycle}/report.html", 200, False),
    ("admin", "GET", "/v1/cycles/{cycle}/report.html", 403, False),
    ("b_member", "GET", "/v1/cycles/{cycle}/charts/sickness_absence_pct/distribution.svg", 200, False),
    ("a_member", "GET", "/v1/cycles/{cycle}/named/sickness_absence_pct", 403, False),
    ("b_member", "GET", "/v1/cycles/{cycle}/named/sickness_absence_pct", 403, False),
    ("a_member", "GET", "/v1/organisations/{a}/actions", 200, False),
    ("b_admin", "GET", "/v1/organisations/{a}/actions", 403, False),
    ("b_admin", "POST", "/v1/organisations/{a}/actions", 403, False),
    ("a_member", "POST", "/v1/organisations/{a}/actions", 403, False),
    ("b_admin", "POST", "/v1/actions/{action}/phase", 404, False),
    ("a_member", "POST", "/v1/actions/{action}/phase", 403, False),
    ("a_member", "POST", "/v1/cycles", 403, False),
    ("a_admin", "POST", "/v1/cycles/{cycle}/publish", 403, False),
    ("a_admin", "POST", "/v1/cycles/{cycle}/close", 403, False),
    ("a_admin", "POST", "/v1/cycles/{cycle}/reminders", 403, False),
    ("a_admin", "PUT", "/v1/catalogue/2026.1/kpis/new_kpi", 403, False),
    ("outsider", "GET", "/v1/cycles", 403, False),
]
BODIES: dict[str, Any] = {
    "values": {"values": [{"kpi_id": "sickness_absence_pct", "value": 4}]},
    "return": {"feedback": "please check"},
    "consent": {"custom_groups": True, "named": True},
    "delegate": {"person_id": "m-b-admin"},
    "explanation": {"explanation": "ours"},
    "cx-maturity-scan": {"answers": [{"question": "s1", "level": 3}]},
    "actions": {"kpi_id": "sickness_absence_pct", "title": "x", "owner": "y", "started_on": "2026-01-01T00:00:00Z"},
    "phase": {"phase": "do"},
    "cycles": {"year": 2090, "catalogue_version": "2026.1", "deadline": "2099-01-01T00:00:00Z"},
    "new_kpi": {
        "name": "n",
        "definition": "d",
        "unit": "%",
        "type": "ratio",
        "direction": "higher_is_better",
        "minimum": 0,
        "maximum": 100,
        "group": "hr",
    },
}


@pytest.mark.parametrize(("caller", "method", "path", "expected", "sees_a"), ROWS, ids=lambda v: str(v))
async def test_the_matrix(
    client: httpx.AsyncClient, world: dict[str, Any], caller: str, method: str, path: str, expected: int, sees_a: bool
) -> None:
    url = path.format(**world)
    body = BODIES.get(url.rsplit("/", 1)[-1]) if method in ("PUT", "POST") else None
    response = await client.request(method, url, json=body, headers=world["headers"][caller])
    assert response.status_code == expected, response.text
    assert (MARK in response.text) is sees_a, response.text[:500]


async def test_a_network_admin_lists_every_submission_and_an_org_admin_only_their_own(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    url = f"/v1/cycles/{world['cycle']}/submissions"
    everyone = (await client.get(url, headers=world["headers"]["admin"])).json()
    assert len(everyone) >= 6 and all(s["values"] is None for s in everyone)
    own = (await client.get(url, headers=world["headers"]["b_admin"])).json()
    assert len(own) == 1 and own[0]["organisation_id"] != str(world["a"])
