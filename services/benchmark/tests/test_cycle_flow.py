"""A cycle end to end on the real PostgreSQL: opened, 45 organisations submit (by JSON, CSV and XLSX; some
with errors, some returned and corrected), closed, published; every published figure is checked against an
independent computation of the same statistics, and every withheld one against the rules."""

import random
import statistics
from collections import defaultdict
from typing import Any
from uuid import UUID

import httpx
from npd_benchmark.cycles.domain import submission_id
from npd_contracts import OrganisationKind, PolicyDomain, SizeClass
from npd_runtime.outbox import OUTBOX
from sqlalchemy import select

from .conftest import Headers, NewCycle, OrgFactory, PersonFactory
from .values import as_csv, as_json, as_xlsx, draw

KINDS = [OrganisationKind.MUNICIPALITY] * 6 + [OrganisationKind.EXECUTIVE_AGENCY] * 3 + [OrganisationKind.PROVINCE]
SIZES = [SizeClass.UNDER_250, SizeClass.FROM_250, SizeClass.FROM_1000, SizeClass.FROM_5000]
DOMAINS = [PolicyDomain.SOCIAL_SECURITY, PolicyDomain.TAXES, PolicyDomain.HOUSING, PolicyDomain.CULTURE]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def independent(values: list[float]) -> dict[str, float]:
    """The statistics of a group, by the standard library (not the code under test)."""
    ordered = sorted(values)
    out = {"median": statistics.median(ordered)}
    if len(ordered) >= 8:
        q = statistics.quantiles(ordered, n=4, method="inclusive")
        out |= {"p25": q[0], "p75": q[2]}
    if len(ordered) >= 20:
        d = statistics.quantiles(ordered, n=10, method="inclusive")
        out |= {f"p{10 * (i + 1)}": d[i] for i in range(9) if i != 4}
    return out


def with_derived(values: dict[str, float]) -> dict[str, float]:
    """The values an organisation gave, and those the service derives from them (as the catalogue says)."""
    out = dict(values)
    out["cost_per_employee"] = values["operating_cost"] / values["employees_fte"]
    out["ict_cost_per_employee"] = values["ict_cost"] / values["employees_fte"]
    out["ict_cost_share_pct"] = values["ict_cost"] / values["operating_cost"] * 100
    return out


async def outbox_types(app: Any, key: str) -> list[str]:
    async with app.state.sessions() as session:
        rows = await session.execute(select(OUTBOX.c.type).where(OUTBOX.c.key == key).order_by(OUTBOX.c.position))
        return [r[0] for r in rows]


async def test_a_cycle_of_45_organisations_end_to_end(
    app: Any,
    client: httpx.AsyncClient,
    admin: Headers,
    person: PersonFactory,
    member_org: OrgFactory,
    open_cycle: NewCycle,
) -> None:
    rng = random.Random(8)
    orgs: dict[UUID, dict[str, Any]] = {}
    for i in range(45):
        kind, size = KINDS[i % len(KINDS)], SIZES[i % len(SIZES)]
        domains = tuple(d for j, d in enumerate(DOMAINS) if (i >> j) & 1)
        org = await member_org(f"Organisation {i:02d}", kind, size, domains)
        orgs[org] = {"kind": kind, "size": size, "domains": domains, "values": draw(rng)}
        orgs[org]["headers"] = await person(f"flow-admin-{org.hex[:8]}", "org_admin", org=org)
    cycle = await open_cycle()
    cid = cycle["id"]

    for n, (org, o) in enumerate(orgs.items()):
        sub, h = submission_id(UUID(cid), org), o["headers"]
        if n % 9 == 0:  # a first try with three mistakes: all reported at once, nothing saved
            good = {k: v for k, v in o["values"].items() if k not in ("sickness_absence_pct", "customer_satisfaction")}
            bad = as_json(good)
            bad["values"] += [
                {"kpi_id": "sickness_absence_pct", "value": 140},
                {"kpi_id": "no_such_kpi", "value": 1},
                {"kpi_id": "customer_satisfaction", "value": 7, "unit": "%"},
            ]
            refused = await client.put(f"/v1/submissions/{sub}/values", json=bad, headers=h)
            assert refused.status_code == 422, refused.text
            reasons = {(e["kpi_id"], e["column"]) for e in refused.json()["errors"]}
            assert {
                ("sickness_absence_pct", "value"),
                ("no_such_kpi", "kpi_id"),
                ("customer_satisfaction", "unit"),
            } <= reasons
            assert (await client.get(f"/v1/submissions/{sub}", headers=h)).json()["values"] == []
        if n % 3 == 1:
            units = {"sickness_absence_pct": "%", "employees_fte": "FTE"}
            headers = h | {"content-type": "text/csv"}
            entered = await client.put(
                f"/v1/submissions/{sub}/file", content=as_csv(o["values"], units), headers=headers
            )
        elif n % 3 == 2:
            headers = h | {"content-type": XLSX}
            entered = await client.put(f"/v1/submissions/{sub}/file", content=as_xlsx(o["values"]), headers=headers)
        else:
            entered = await client.put(f"/v1/submissions/{sub}/values", json=as_json(o["values"]), headers=h)
        assert entered.status_code == 200, entered.text
        submitted = await client.post(f"/v1/submissions/{sub}/submit", headers=h)
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "submitted"

    # Three are returned with feedback and corrected; then everything is final.
    returned = list(orgs)[:3]
    for org in returned:
        sub = submission_id(UUID(cid), org)
        back = await client.post(f"/v1/submissions/{sub}/return", json={"feedback": "absence looks off"}, headers=admin)
        assert back.json()["status"] == "returned" and back.json()["values"] is None  # admins never see values
        orgs[org]["values"]["sickness_absence_pct"] = 4.25
        fix = {"values": [{"kpi_id": "sickness_absence_pct", "value": 4.25, "explanation": "re-counted"}]}
        h = orgs[org]["headers"]
        assert (await client.put(f"/v1/submissions/{sub}/values", json=fix, headers=h)).status_code == 200
        assert (await client.post(f"/v1/submissions/{sub}/submit", headers=h)).json()["status"] == "corrected"
    for org in orgs:
        final = await client.post(f"/v1/submissions/{submission_id(UUID(cid), org)}/finalise", headers=admin)
        assert final.status_code == 200 and final.json()["status"] == "final", final.text

    assert (await client.post(f"/v1/cycles/{cid}/close", headers=admin)).json()["status"] == "closed"
    published = await client.post(f"/v1/cycles/{cid}/publish", headers=admin)
    assert published.status_code == 200, published.text
    assert published.json()["cycle"]["version"] == 1

    # Every published figure against an independent computation over the same organisations.
    groups: dict[str, list[UUID]] = defaultdict(list)
    for org, o in orgs.items():
        groups["all"].append(org)
        groups[f"kind:{o['kind'].value}"].append(org)
        groups[f"size:{o['size'].value}"].append(org)
        for d in o["domains"]:
            groups[f"domain:{d.value}"].append(org)
    results = (await client.get(f"/v1/cycles/{cid}/results", headers=admin)).json()
    seen = set()
    for figure in results:
        kpi, group = figure["kpi_id"], figure["peer_group"]
        members = groups[group]
        values = [with_derived(orgs[m]["values"])[kpi] for m in members if kpi in with_derived(orgs[m]["values"])]
        seen.add((kpi, group))
        assert "min" not in figure["stats"] and "max" not in figure["stats"]
        if len(values) < 5:
            assert figure["count"] is None and "group" in figure["withheld"]
            continue
        if figure["count"] is None:  # withheld for differencing: say so
            assert "differs from a released group" in figure["withheld"]["group"], figure
            continue
        assert figure["count"] == len(values)
        for name, expected in independent(values).items():
            assert abs(figure["stats"][name] - expected) <= 1e-6 * max(1, abs(expected)), (kpi, group, name)
        if "mean" in figure["stats"]:
            assert abs(figure["stats"]["mean"] - statistics.fmean(values)) <= 1e-6 * max(
                1, abs(statistics.fmean(values))
            )
    assert ("sickness_absence_pct", "all") in seen and ("cost_per_employee", "kind:province") in seen

    types = await outbox_types(app, cid)
    assert types[0] == "nl.npd.benchmark.cycle-opened.v1"
    assert types.count("nl.npd.benchmark.organisation-invited.v1") >= 45
    assert types[-2:] == ["nl.npd.benchmark.cycle-closed.v1", "nl.npd.benchmark.results-published.v1"]
    first = str(submission_id(UUID(cid), returned[0]))
    assert await outbox_types(app, first) == [
        "nl.npd.benchmark.submission-received.v1",
        "nl.npd.benchmark.submission-returned.v1",
        "nl.npd.benchmark.submission-received.v1",
        "nl.npd.benchmark.submission-finalised.v1",
    ]
