"""The rest of the benchmark through its API: the catalogue and its versions, late joiners and reminders,
composed groups and the named comparison, a second version after a correction, the organisation's
position and trend, reports whose charts are real images, improvement actions, the questionnaire, and what
membership's events do (an erased person leaves no name in the history; a departed member leaves the
published results intact)."""

import csv
import io
import random
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from npd_benchmark.cycles.domain import submission_id
from npd_benchmark.handlers import on_member_left, on_person_erased
from npd_contracts import Envelope, LeaveReason, MemberLeft, PersonErased
from npd_runtime.outbox import OUTBOX
from pypdf import PdfReader
from sqlalchemy import select

from .conftest import Headers, NewCycle, add_org, add_person, next_year
from .values import as_json, draw

SVG = "{http://www.w3.org/2000/svg}"


async def run_cycle(
    app: Any, client: httpx.AsyncClient, admin: Headers, token: Any, n: int = 12, prefix: str = "f"
) -> dict[str, Any]:
    """A published cycle of `n` fresh organisations with realistic values; the first one's people are ours."""
    rng = random.Random(n)
    orgs = [await add_org(app, f"{prefix} organisation {i}") for i in range(n)]
    body = {"year": next_year(), "catalogue_version": "2026.1", "deadline": "2099-01-01T00:00:00Z", "k": 5}
    cycle = (await client.post("/v1/cycles", json=body, headers=admin)).json()["id"]
    heads = []
    for i, org in enumerate(orgs):
        await add_person(app, f"{prefix}-admin-{org.hex[:8]}", "org_admin", org=org)
        h = token(f"{prefix}-admin-{org.hex[:8]}")
        heads.append(h)
        sub = submission_id(UUID(cycle), org)
        values = draw(rng)
        assert (await client.put(f"/v1/submissions/{sub}/values", json=as_json(values), headers=h)).status_code == 200
        await client.put(f"/v1/submissions/{sub}/consent", json={"custom_groups": True, "named": i < 3}, headers=h)
        assert (await client.post(f"/v1/submissions/{sub}/submit", headers=h)).status_code == 200
        assert (await client.post(f"/v1/submissions/{sub}/finalise", headers=admin)).status_code == 200
    await client.post(f"/v1/cycles/{cycle}/close", headers=admin)
    published = await client.post(f"/v1/cycles/{cycle}/publish", headers=admin)
    assert published.status_code == 200, published.text
    return {"cycle": cycle, "orgs": orgs, "headers": heads}


@pytest.fixture
async def published(app: Any, client: httpx.AsyncClient, admin: Headers, token: Any) -> dict[str, Any]:
    return await run_cycle(app, client, admin, token)


async def test_the_starting_catalogue_is_there_and_a_new_version_copies_it(
    client: httpx.AsyncClient, admin: Headers, open_cycle: NewCycle
) -> None:
    await open_cycle()  # 2026.1 is now in use
    versions = (await client.get("/v1/catalogue", headers=admin)).json()
    assert {"catalogue_version": "2026.1", "kpis": 24} in versions
    kpis = {k["kpi_id"]: k for k in (await client.get("/v1/catalogue/2026.1", headers=admin)).json()}
    assert kpis["cost_per_employee"]["formula"] == "operating_cost / employees_fte"
    assert kpis["sickness_absence_pct"]["direction"] == "lower_is_better"
    body = {
        "name": "Sickness absence (incl. long-term)",
        "definition": "Now with long-term absence.",
        "unit": "%",
        "type": "ratio",
        "direction": "lower_is_better",
        "minimum": 0,
        "maximum": 100,
        "group": "hr",
        "required": True,
        "comparable": False,
        "based_on": "2026.1",
    }
    version = f"test-{datetime.now(UTC).timestamp():.0f}"
    put = await client.put(f"/v1/catalogue/{version}/kpis/sickness_absence_pct", json=body, headers=admin)
    assert put.status_code == 200 and put.json()["comparable"] is False
    assert len((await client.get(f"/v1/catalogue/{version}", headers=admin)).json()) == 24
    used = await client.put("/v1/catalogue/2026.1/kpis/sickness_absence_pct", json=body, headers=admin)
    assert used.status_code == 409 and used.json()["type"] == "urn:npd:problem:catalogue-version-in-use"
    wrong = body | {"numerator": "nothing_here", "denominator": "employees_fte"}
    refused = await client.put(f"/v1/catalogue/{version}/kpis/x_derived", json=wrong, headers=admin)
    assert refused.status_code == 409 and "nothing_here" in refused.json()["detail"]


async def test_a_late_joiner_is_invited_and_reminders_go_to_those_who_have_not_submitted(
    app: Any, client: httpx.AsyncClient, admin: Headers, open_cycle: NewCycle
) -> None:
    cycle = await open_cycle()
    late = await add_org(app, "Late joiner")
    invited = await client.get(f"/v1/submissions/{submission_id(UUID(cycle['id']), late)}", headers=admin)
    assert invited.status_code == 200 and invited.json()["status"] == "invited"
    again = await client.post(
        f"/v1/cycles/{cycle['id']}/invitations", json={"organisation_id": str(late)}, headers=admin
    )
    assert again.status_code == 200  # twice is once
    reminded = (await client.post(f"/v1/cycles/{cycle['id']}/reminders", headers=admin)).json()["reminded"]
    assert reminded >= 1
    async with app.state.sessions() as session:
        types = [r[0] for r in await session.execute(select(OUTBOX.c.type).where(OUTBOX.c.key == cycle["id"]))]
    assert types.count("nl.npd.benchmark.submission-reminded.v1") == reminded
    assert types.count("nl.npd.benchmark.organisation-invited.v1") >= reminded


async def test_composed_groups_are_checked_against_everything_released(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    cycle, orgs, h = published["cycle"], published["orgs"], published["headers"][0]
    url = f"/v1/cycles/{cycle}/results/composed"
    six = {"kpi_id": "sickness_absence_pct", "members": [str(o) for o in orgs[:6]]}
    first = await client.post(url, json=six, headers=h)
    assert first.status_code == 200 and first.json()["count"] == 6 and "mean" not in first.json()["stats"]
    assert (await client.post(url, json=six, headers=h)).json() == first.json()  # asked again: the same
    seven = {"kpi_id": "sickness_absence_pct", "members": [str(o) for o in orgs[:7]]}
    refused = (await client.post(url, json=seven, headers=h)).json()
    assert refused["count"] is None and "differs from a released group by 1" in refused["withheld"]["group"]
    stranger = {"kpi_id": "sickness_absence_pct", "members": [str(o) for o in orgs[:5]] + [str(UUID(int=7))]}
    assert (await client.post(url, json=stranger, headers=h)).status_code == 422


async def test_the_named_comparison_is_among_those_that_consented(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    cycle = published["cycle"]
    named = await client.get(f"/v1/cycles/{cycle}/named/customer_satisfaction", headers=published["headers"][0])
    assert named.status_code == 200
    assert sorted(r["organisation"] for r in named.json()) == [f"f organisation {i}" for i in range(3)]
    assert (
        await client.get(f"/v1/cycles/{cycle}/named/customer_satisfaction", headers=published["headers"][5])
    ).status_code == 403


async def test_the_position_reads_the_published_quantiles_and_the_report_is_real(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    cycle, h = published["cycle"], published["headers"][0]
    rows = {p["kpi_id"]: p for p in (await client.get(f"/v1/cycles/{cycle}/position", headers=h)).json()}
    absence = rows["sickness_absence_pct"]
    assert absence["figures"]["count"] == 12 and absence["rank_bound"] in ("about", "at most", "at least")
    assert absence["distance_to_median"] == pytest.approx(absence["value"] - absence["figures"]["stats"]["median"])
    html = await client.get(f"/v1/cycles/{cycle}/report.html", headers=h)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "f organisation 0" in html.text
    svg = await client.get(f"/v1/cycles/{cycle}/charts/sickness_absence_pct/distribution.svg", headers=h)
    root = ET.fromstring(svg.content)
    assert root.tag == f"{SVG}svg" and root.findall(f"{SVG}polygon")  # the organisation's marker
    png = await client.get(f"/v1/cycles/{cycle}/charts/sickness_absence_pct/distribution.png", headers=h)
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png.content[16:20], "big") == 640 and int.from_bytes(png.content[20:24], "big") == 200
    pdf = await client.get(f"/v1/cycles/{cycle}/report.pdf", headers=h)
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) >= 2 and "Sickness absence" in "".join(p.extract_text() for p in reader.pages)
    exported = list(csv.DictReader(io.StringIO((await client.get(f"/v1/cycles/{cycle}/report.csv", headers=h)).text)))
    assert {r["kpi_id"] for r in exported} >= {"sickness_absence_pct", "cost_per_employee"}
    assert all("min" not in r and "max" not in r for r in exported)
    trend = await client.get(f"/v1/cycles/{cycle}/charts/sickness_absence_pct/trend.svg", headers=h)
    assert ET.fromstring(trend.content).tag == f"{SVG}svg"


async def test_a_correction_after_publication_makes_a_second_version_only_where_k_changed(
    client: httpx.AsyncClient, admin: Headers, published: dict[str, Any]
) -> None:
    cycle, orgs = published["cycle"], published["orgs"]
    before = {
        (f["kpi_id"], f["peer_group"]): f
        for f in (await client.get(f"/v1/cycles/{cycle}/results", headers=admin)).json()
    }
    sub = submission_id(UUID(cycle), orgs[0])
    await client.post(f"/v1/submissions/{sub}/return", json={"feedback": "absence doubled?"}, headers=admin)
    h = published["headers"][0]
    fix = {"values": [{"kpi_id": "sickness_absence_pct", "value": 11.9}]}
    assert (await client.put(f"/v1/submissions/{sub}/values", json=fix, headers=h)).status_code == 200
    await client.post(f"/v1/submissions/{sub}/submit", headers=h)
    await client.post(f"/v1/submissions/{sub}/finalise", headers=admin)
    again = await client.post(f"/v1/cycles/{cycle}/publish", headers=admin)
    assert again.json()["cycle"]["version"] == 2
    after = {
        (f["kpi_id"], f["peer_group"]): f
        for f in (await client.get(f"/v1/cycles/{cycle}/results", headers=admin)).json()
    }
    # One organisation changed: the earlier figures stand, so nobody learns its correction.
    assert after[("sickness_absence_pct", "all")] == before[("sickness_absence_pct", "all")]


async def test_improvement_actions_move_through_plan_do_check_act(
    client: httpx.AsyncClient, published: dict[str, Any]
) -> None:
    org, h = published["orgs"][0], published["headers"][0]
    body = {
        "kpi_id": "sickness_absence_pct",
        "title": "Vitality programme",
        "owner": "HR",
        "started_on": "2026-02-01T00:00:00Z",
    }
    action = (await client.post(f"/v1/organisations/{org}/actions", json=body, headers=h)).json()
    assert action["phase"] == "plan"
    moved = await client.post(f"/v1/actions/{action['id']}/phase", json={"phase": "do"}, headers=h)
    assert moved.json()["phase"] == "do"
    skipped = await client.post(f"/v1/actions/{action['id']}/phase", json={"phase": "act"}, headers=h)
    assert skipped.status_code == 409 and "moves to check" in skipped.json()["detail"]
    listed = (await client.get(f"/v1/organisations/{org}/actions", headers=h)).json()
    assert [a["title"] for a in listed] == ["Vitality programme"]


async def test_the_maturity_scan_is_scored_into_the_kpi(
    client: httpx.AsyncClient, member_org: Any, person: Any, open_cycle: NewCycle
) -> None:
    org = await member_org()
    h = await person(f"scan-{org.hex[:8]}", "org_admin", org=org)
    cycle = await open_cycle()
    sub = submission_id(UUID(cycle["id"]), org)
    levels = {f"{d}{i}": 4 for d in "sicom" for i in (1, 2, 3)} | {"m1": 1, "m2": 1, "m3": 1}
    answers = [{"question": q, "level": level} for q, level in levels.items()]
    scored = await client.post(
        f"/v1/submissions/{sub}/questionnaires/cx-maturity-scan", json={"answers": answers}, headers=h
    )
    assert scored.status_code == 200 and scored.json()["value"] == 3.0  # (4+4+4+4+1)/5 = 3.4, level 3
    values = {v["kpi_id"]: v for v in (await client.get(f"/v1/submissions/{sub}", headers=h)).json()["values"]}
    assert values["cx_maturity_level"]["value"] == 3.0
    partial = await client.post(
        f"/v1/submissions/{sub}/questionnaires/cx-maturity-scan",
        json={"answers": [{"question": "s1", "level": 5}, {"question": "zz", "level": 2}]},
        headers=h,
    )
    assert (
        partial.status_code == 422
        and "s2 is not answered" in partial.json()["detail"]
        and "zz is not part" in partial.json()["detail"]
    )


async def test_an_erased_person_leaves_no_name_in_the_history(
    app: Any, client: httpx.AsyncClient, member_org: Any, person: Any, open_cycle: NewCycle
) -> None:
    org = await member_org()
    sub_id = f"erase-{org.hex[:8]}"
    h = await person(sub_id, "org_admin", org=org)
    colleague = await person(f"colleague-{org.hex[:8]}", "member", org=org)
    cycle = await open_cycle()
    sub = submission_id(UUID(cycle["id"]), org)
    await client.put(
        f"/v1/submissions/{sub}/values", json={"values": [{"kpi_id": "employees_fte", "value": 9}]}, headers=h
    )
    assert [
        e["changed_by"] for e in (await client.get(f"/v1/submissions/{sub}/history", headers=colleague)).json()
    ] == [sub_id]
    erased = PersonErased(person_id=sub_id, erased_at=datetime.now(UTC))
    async with app.state.sessions() as session, session.begin():
        await on_person_erased(session, [Envelope(data=erased, source="/npd/membership")])
    history = (await client.get(f"/v1/submissions/{sub}/history", headers=colleague)).json()
    assert [(e["changed_by"], e["value"]) for e in history] == [(None, 9)]


async def test_a_member_that_leaves_keeps_the_published_results_intact(
    app: Any, client: httpx.AsyncClient, admin: Headers, published: dict[str, Any]
) -> None:
    cycle = published["cycle"]
    before = (await client.get(f"/v1/cycles/{cycle}/results", headers=admin)).json()
    left = MemberLeft(organisation_id=published["orgs"][3], reason=LeaveReason.WITHDREW, left_at=datetime.now(UTC))
    async with app.state.sessions() as session, session.begin():
        await on_member_left(session, [Envelope(data=left, source="/npd/membership")])
    assert (await client.get(f"/v1/cycles/{cycle}/results", headers=admin)).json() == before
    refused = await client.post(
        "/v1/cycles/" + str(UUID(int=0)) + "/invitations",
        json={"organisation_id": str(published["orgs"][3])},
        headers=admin,
    )
    assert refused.status_code == 404
