"""Bad input gets a precise problem listing every fault, and nothing already entered is lost: values out of
range, wrong units, unknown KPIs, submissions after the deadline, malformed files (wrong columns, encodings,
empty, huge)."""

from typing import Any
from uuid import UUID

import httpx
import pytest
from npd_benchmark.cycles.domain import submission_id

from .conftest import NewCycle, OrgFactory, PersonFactory
from .values import as_xlsx

CSV = {"content-type": "text/csv"}


@pytest.fixture
async def draft(
    client: httpx.AsyncClient, member_org: OrgFactory, person: PersonFactory, open_cycle: NewCycle
) -> dict[str, Any]:
    """A submission holding one value already."""
    org = await member_org()
    headers = await person(f"bad-{org.hex[:8]}", "org_admin", org=org)
    cycle = await open_cycle()
    sub = submission_id(UUID(cycle["id"]), org)
    first = {"values": [{"kpi_id": "employees_fte", "value": 500, "unit": "FTE"}]}
    assert (await client.put(f"/v1/submissions/{sub}/values", json=first, headers=headers)).status_code == 200
    return {"sub": sub, "headers": headers, "cycle": cycle}


async def kept(client: httpx.AsyncClient, draft: dict[str, Any]) -> list[dict[str, Any]]:
    got = await client.get(f"/v1/submissions/{draft['sub']}", headers=draft["headers"])
    return [{"kpi_id": v["kpi_id"], "value": v["value"]} for v in got.json()["values"]]


async def upload(
    client: httpx.AsyncClient, draft: dict[str, Any], data: bytes, headers: dict[str, str] = CSV
) -> httpx.Response:
    return await client.put(f"/v1/submissions/{draft['sub']}/file", content=data, headers=draft["headers"] | headers)


async def test_every_fault_of_a_json_entry_is_listed_and_nothing_is_saved(
    client: httpx.AsyncClient, draft: dict[str, Any]
) -> None:
    body = {
        "values": [
            {"kpi_id": "sickness_absence_pct", "value": 101},
            {"kpi_id": "operating_cost", "value": 40_000_000, "unit": "kEUR"},
            {"kpi_id": "made_up_kpi", "value": 3},
            {"kpi_id": "audit_findings", "value": 2.5},
            {"kpi_id": "employees_fte", "value": 600},
            {"kpi_id": "employees_fte", "value": 601},
        ]
    }
    response = await client.put(f"/v1/submissions/{draft['sub']}/values", json=body, headers=draft["headers"])
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:npd:problem:invalid-values"
    got = {(e["row"], e["kpi_id"], e["column"]) for e in problem["errors"]}
    assert got == {
        (1, "sickness_absence_pct", "value"),
        (2, "operating_cost", "unit"),
        (3, "made_up_kpi", "kpi_id"),
        (4, "audit_findings", "value"),
        (6, "employees_fte", "kpi_id"),
    }
    assert "outside the valid range 0 to 100" in problem["detail"] and "not the KPI's unit 'EUR'" in problem["detail"]
    assert await kept(client, draft) == [{"kpi_id": "employees_fte", "value": 500}]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"kpi;amount\nemployees_fte;3\n", "required column 'value' is missing"),
        (b"kpi_id,value,colour\nemployees_fte,3,red\n", "unknown column 'colour'"),
        (b"kpi_id,value\n", "a header but no values"),
        ("kpi_id;value;explanation\nemployees_fte;3;é\n".encode("latin-1"), "not UTF-8 (byte 41 is 0xe9)"),
        (b"PK\x03\x04 this is no workbook", "not a readable XLSX workbook"),
        (b"kpi_id,value\n" + b"employees_fte,1\n" * 2001, "at most 2000 are accepted"),
        (b"kpi_id,value\x00\n", "NUL characters"),
    ],
    ids=[
        "empty",
        "wrong columns",
        "unknown column",
        "no rows",
        "latin-1",
        "broken xlsx",
        "too many rows",
        "binary",
    ],
)
async def test_a_malformed_file_is_refused_with_the_reason(
    client: httpx.AsyncClient, draft: dict[str, Any], data: bytes, reason: str
) -> None:
    response = await upload(client, draft, data)
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]
    assert await kept(client, draft) == [{"kpi_id": "employees_fte", "value": 500}]


async def test_a_huge_file_is_refused_unread_and_changes_nothing(
    client: httpx.AsyncClient, draft: dict[str, Any]
) -> None:
    response = await upload(client, draft, b"kpi_id,value\n" + b"x" * 2_000_001)
    assert response.status_code == 413 and "at most 2000000 bytes are accepted" in response.json()["detail"]
    assert await kept(client, draft) == [{"kpi_id": "employees_fte", "value": 500}]


async def test_a_file_with_bad_cells_lists_each_with_row_and_column(
    client: httpx.AsyncClient, draft: dict[str, Any]
) -> None:
    data = b"kpi_id;value;unit\nsickness_absence_pct;abc;%\n;4;\ncustomer_satisfaction;11;\nict_cost;5;kEUR\n"
    response = await upload(client, draft, data)
    errors = [(e["row"], e["column"], e["kpi_id"]) for e in response.json()["errors"]]
    assert sorted(errors, key=str) == sorted(
        [
            (2, "value", "sickness_absence_pct"),
            (3, "kpi_id", None),
            (4, "value", "customer_satisfaction"),
            (5, "unit", "ict_cost"),
        ],
        key=str,
    )


async def test_an_xlsx_file_is_read_like_a_csv(client: httpx.AsyncClient, draft: dict[str, Any]) -> None:
    xlsx = {"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = await upload(client, draft, as_xlsx({"sickness_absence_pct": 4.5, "employees_fte": 510}), xlsx)
    assert response.status_code == 200, response.text
    assert {v["kpi_id"]: v["value"] for v in response.json()["values"]} == {
        "employees_fte": 510,
        "sickness_absence_pct": 4.5,
    }
    bad = await upload(client, draft, as_xlsx({"sickness_absence_pct": -1}), xlsx)
    assert [(e["row"], e["column"]) for e in bad.json()["errors"]] == [(2, "value")]


async def test_submitting_without_required_kpis_lists_each_missing_one(
    client: httpx.AsyncClient, draft: dict[str, Any]
) -> None:
    response = await client.post(f"/v1/submissions/{draft['sub']}/submit", headers=draft["headers"])
    assert response.status_code == 422
    missing = {e["kpi_id"] for e in response.json()["errors"]}
    assert missing == {
        "operating_cost",
        "sickness_absence_pct",
        "overhead_fte_ratio",
        "customer_satisfaction",
        "service_norm_compliance_pct",
    }


async def test_a_derived_value_that_contradicts_its_inputs_is_refused(
    client: httpx.AsyncClient, draft: dict[str, Any]
) -> None:
    body = {
        "values": [{"kpi_id": "operating_cost", "value": 50_000_000}, {"kpi_id": "cost_per_employee", "value": 20_000}]
    }
    assert (
        await client.put(f"/v1/submissions/{draft['sub']}/values", json=body, headers=draft["headers"])
    ).status_code == 200
    response = await client.post(f"/v1/submissions/{draft['sub']}/submit", headers=draft["headers"])
    assert any(
        "inconsistent with operating_cost / employees_fte = 1e+05" in e["reason"] for e in response.json()["errors"]
    )


async def test_after_the_deadline_nothing_is_entered_but_what_was_stays(
    client: httpx.AsyncClient, member_org: OrgFactory, person: PersonFactory, open_cycle: NewCycle, app: Any
) -> None:
    org = await member_org()
    headers = await person(f"late-{org.hex[:8]}", "org_admin", org=org)
    cycle = await open_cycle(deadline="2020-01-01T00:00:00Z")
    sub = submission_id(UUID(cycle["id"]), org)
    response = await client.put(
        f"/v1/submissions/{sub}/values", json={"values": [{"kpi_id": "employees_fte", "value": 5}]}, headers=headers
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:npd:problem:past-deadline" and "2020-01-01" in response.json()["detail"]
    assert (await client.post(f"/v1/submissions/{sub}/submit", headers=headers)).status_code == 409


async def test_a_closed_cycle_takes_no_more_values(
    client: httpx.AsyncClient, draft: dict[str, Any], admin: dict[str, str]
) -> None:
    assert (await client.post(f"/v1/cycles/{draft['cycle']['id']}/close", headers=admin)).status_code == 200
    body = {"values": [{"kpi_id": "employees_fte", "value": 700}]}
    response = await client.put(f"/v1/submissions/{draft['sub']}/values", json=body, headers=draft["headers"])
    assert response.status_code == 409 and "closed" in response.json()["detail"]
    assert await kept(client, draft) == [{"kpi_id": "employees_fte", "value": 500}]
    assert (await client.post(f"/v1/cycles/{draft['cycle']['id']}/close", headers=admin)).status_code == 409
