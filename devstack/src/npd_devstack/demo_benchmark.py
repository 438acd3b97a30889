"""`make demo`, the benchmark's part: three yearly cycles (2023-2025) with 45+ of the demo network's members
taking part, realistic values that drift over the years, explanations, one return for correction a year,
consent to composed groups and the named comparison, and improvement actions; all through the benchmark's
HTTP API, as the network admin and each organisation's contact (its org admin). Running it again adds
nothing: a cycle that exists is left as it is, a final submission is not touched."""

import asyncio
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from npd_devstack.demo_data import DemoOrganisation
from npd_devstack.issuer import DevIssuer

ADMIN = "admin"
YEARS = (2023, 2024, 2025)
# kpi -> (typical value, spread, low, high, change a year): illustrative, in the range Dutch public bodies report
PROFILE: dict[str, tuple[float, float, float, float, float]] = {
    "sickness_absence_pct": (5.6, 1.2, 2.0, 11.0, -0.15),
    "staff_turnover_pct": (8.0, 2.5, 2.0, 18.0, 0.2),
    "overhead_fte_ratio": (24.0, 4.5, 10.0, 40.0, -0.4),
    "employee_engagement": (7.2, 0.5, 5.5, 8.8, 0.05),
    "customer_satisfaction": (7.1, 0.45, 5.8, 8.6, 0.08),
    "first_contact_resolution_pct": (71.0, 8.0, 45.0, 94.0, 1.2),
    "digital_contact_share_pct": (55.0, 12.0, 20.0, 90.0, 3.5),
    "service_norm_compliance_pct": (86.0, 6.0, 60.0, 99.5, 0.8),
    "invoices_on_time_pct": (88.0, 6.0, 60.0, 99.8, 0.5),
    "wcag_compliance_pct": (62.0, 14.0, 20.0, 98.0, 4.0),
    "privacy_requests_on_time_pct": (91.0, 5.0, 70.0, 100.0, 0.4),
    "system_availability_pct": (99.2, 0.4, 97.0, 99.99, 0.05),
    "phone_wait_seconds": (95.0, 35.0, 20.0, 300.0, -4.0),
    "complaints_per_1000_contacts": (3.2, 1.1, 0.5, 9.0, -0.05),
}
FTE = {"under_250": 150, "250_to_999": 550, "1000_to_4999": 2200, "5000_to_19999": 9000, "20000_or_more": 26000}
EXPLANATIONS = {
    "sickness_absence_pct": "Two long-term cases this year; the vitality programme started in the autumn.",
    "digital_contact_share_pct": "New online forms for permits since spring.",
    "phone_wait_seconds": "Staff shortage in the contact centre over the summer.",
    "overhead_fte_ratio": "Support functions centralised in a shared service centre.",
}
ACTIONS = [
    ("sickness_absence_pct", "Vitality programme with the occupational health service", "HR director"),
    ("digital_contact_share_pct", "Online-first for permit applications", "Head of customer contact"),
    ("phone_wait_seconds", "Call-back instead of queueing at peak hours", "Contact centre manager"),
]


class BenchmarkSeedFailed(RuntimeError):
    pass


def values_for(org: DemoOrganisation, year: int) -> dict[str, float]:
    """One organisation's figures for one year: its own level (drawn once) plus the network's drift."""
    own = random.Random(f"{org.slug}")
    noise = random.Random(f"{org.slug}-{year}")
    fte = FTE.get(org.size_class or "250_to_999", 550) * own.uniform(0.6, 1.4) * (1 + 0.01 * (year - 2023))
    cost_per_fte = own.gauss(104_000, 11_000) * (1.03 ** (year - 2023))
    out = {
        "employees_fte": round(fte),
        "operating_cost": round(fte * cost_per_fte),
        "ict_cost": round(fte * own.gauss(11_800, 1_800) * (1.04 ** (year - 2023))),
        "cx_maturity_level": float(min(5, max(1, round(own.gauss(2.8, 0.8) + 0.35 * (year - 2023))))),
    }
    for kpi, (typical, spread, low, high, drift) in PROFILE.items():
        level = own.gauss(typical, spread) + drift * (year - 2023) + noise.gauss(0, spread * 0.15)
        out[kpi] = round(min(high, max(low, level)), 2)
    return out


class BenchmarkSeeder:
    def __init__(self, benchmark: str, issuer: DevIssuer, transport: httpx.AsyncBaseTransport | None) -> None:
        self.http = httpx.AsyncClient(base_url=benchmark, timeout=60.0, transport=transport)
        self.issuer = issuer
        self.admin = self.as_(ADMIN)
        self.created = {"benchmark cycles": 0, "submissions": 0, "improvement actions": 0}

    def as_(self, sub: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.mint(sub, [])}"}

    async def call(self, method: str, path: str, headers: dict[str, str], ok: Sequence[int] = (), **kw: Any) -> Any:
        response = await self.http.request(method, path, headers=headers, **kw)
        if response.status_code >= 400 and response.status_code not in ok:
            raise BenchmarkSeedFailed(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return (
            response.json()
            if response.content
            and response.headers.get("content-type", "").startswith(("application/json", "application/problem+json"))
            else None
        )

    async def wait_for_the_network(self, wait_s: float) -> None:
        """The benchmark learns roles and members from membership's events: wait until it knows them."""
        deadline = time.monotonic() + wait_s
        while (await self.http.get("/v1/cycles", headers=self.admin)).status_code != 200:
            if time.monotonic() > deadline:
                raise BenchmarkSeedFailed("the benchmark does not know the network admin yet; is membership up?")
            await asyncio.sleep(0.5)

    async def cycle(self, year: int, members: list[tuple[DemoOrganisation, str]], last: bool) -> None:
        cycles = await self.call("GET", "/v1/cycles", self.admin)
        found = [c for c in cycles if c["year"] == year]
        if found and found[0]["status"] == "published":
            return
        if found:
            cycle = found[0]
        else:
            deadline = (datetime.now(UTC) + timedelta(days=60)).isoformat()
            body = {"year": year, "catalogue_version": "2026.1", "deadline": deadline, "k": 5}
            cycle = await self.call("POST", "/v1/cycles", self.admin, json=body)
            self.created["benchmark cycles"] += 1
        cid = cycle["id"]
        share = {2023: 0.62, 2024: 0.7, 2025: 0.78}[year]
        taking_part = [
            (o, i) for n, (o, i) in enumerate(members) if random.Random(f"{o.slug}{year}").random() < share or n < 45
        ]
        returned = taking_part[year % 7]
        for org, org_id in taking_part:
            await self.call("POST", f"/v1/cycles/{cid}/invitations", self.admin, json={"organisation_id": org_id})
            await self.submission(cid, year, org, org_id, corrected=(org, org_id) == returned)
        if cycle["status"] == "open":
            await self.call("POST", f"/v1/cycles/{cid}/close", self.admin)
        await self.call("POST", f"/v1/cycles/{cid}/publish", self.admin)
        if last:
            for org, org_id in taking_part[:12]:
                await self.actions(org, org_id, year)

    async def submission(self, cid: str, year: int, org: DemoOrganisation, org_id: str, *, corrected: bool) -> None:
        contact = self.as_(f"demo-{org.slug}-contact")
        deadline = time.monotonic() + 60
        # Empty until the benchmark has learnt (from membership's events) that the contact is its org admin.
        while not (subs := await self.call("GET", f"/v1/cycles/{cid}/submissions", contact)):
            if time.monotonic() > deadline:
                raise BenchmarkSeedFailed(f"the benchmark does not know demo-{org.slug}-contact as its org admin")
            await asyncio.sleep(0.5)
        sub = subs[0]
        if sub["status"] == "final":
            return
        values = values_for(org, year)
        rows: list[dict[str, Any]] = [{"kpi_id": k, "value": v} for k, v in values.items()]
        rng = random.Random(f"{org.slug}-explain-{year}")
        for row in rows:
            if row["kpi_id"] in EXPLANATIONS and rng.random() < 0.25:
                row["explanation"] = EXPLANATIONS[row["kpi_id"]]
        if sub["status"] in ("invited", "draft"):
            if corrected:  # a slip of the decimal point, returned by the programme team and corrected
                rows = [r | {"value": r["value"] * 10} if r["kpi_id"] == "sickness_absence_pct" else r for r in rows]
            await self.call("PUT", f"/v1/submissions/{sub['id']}/values", contact, json={"values": rows})
            consent = {"custom_groups": rng.random() < 0.8, "named": rng.random() < 0.35}
            await self.call("PUT", f"/v1/submissions/{sub['id']}/consent", contact, json=consent)
            sub = await self.call("POST", f"/v1/submissions/{sub['id']}/submit", contact)
            self.created["submissions"] += 1
        if corrected and sub["status"] == "submitted":
            feedback = {"feedback": "Sickness absence looks ten times too high: a decimal point?"}
            sub = await self.call("POST", f"/v1/submissions/{sub['id']}/return", self.admin, json=feedback)
            fix = {"values": [{"kpi_id": "sickness_absence_pct", "value": values["sickness_absence_pct"]}]}
            await self.call("PUT", f"/v1/submissions/{sub['id']}/values", contact, json=fix)
            sub = await self.call("POST", f"/v1/submissions/{sub['id']}/submit", contact)
        if sub["status"] in ("submitted", "corrected"):
            await self.call("POST", f"/v1/submissions/{sub['id']}/finalise", self.admin)

    async def actions(self, org: DemoOrganisation, org_id: str, year: int) -> None:
        contact = self.as_(f"demo-{org.slug}-contact")
        existing = await self.call("GET", f"/v1/organisations/{org_id}/actions", contact)
        if existing:
            return
        kpi, title, owner = ACTIONS[len(org.slug) % len(ACTIONS)]
        body = {
            "kpi_id": kpi,
            "title": title,
            "owner": owner,
            "started_on": f"{year}-03-01T00:00:00Z",
            "due_on": f"{year + 1}-03-01T00:00:00Z",
            "baseline_year": year,
        }
        action = await self.call("POST", f"/v1/organisations/{org_id}/actions", contact, json=body)
        await self.call("POST", f"/v1/actions/{action['id']}/phase", contact, json={"phase": "do"})
        self.created["improvement actions"] += 1


async def seed_benchmark(
    benchmark: str,
    issuer: DevIssuer,
    members: list[tuple[DemoOrganisation, str]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    wait_s: float = 60.0,
) -> dict[str, int]:
    """`members`: the demo organisations that are members, with their ids (as membership's seed returns them)."""
    seeder = BenchmarkSeeder(benchmark, issuer, transport)
    try:
        await seeder.wait_for_the_network(wait_s)
        for year in YEARS:
            await seeder.cycle(year, members, last=year == YEARS[-1])
    except httpx.TransportError as error:
        raise BenchmarkSeedFailed(f"cannot reach the benchmark at {benchmark} ({error}); is `make run` up?") from error
    finally:
        await seeder.http.aclose()
    return seeder.created


async def demo_members(membership: str, issuer: DevIssuer) -> list[tuple[DemoOrganisation, str]]:
    """The demo organisations that are members with the demo's contact as their admin, with the ids membership
    gave them (one of that name someone else applied for, such as the README's first flow's Gemeente
    Utrecht, has another admin, who takes no part in the demo's benchmark)."""
    from npd_devstack.demo_data import organisations

    by_name = {o.name: o for o in organisations()}
    headers = {"Authorization": f"Bearer {issuer.mint(ADMIN, [])}"}
    async with httpx.AsyncClient(base_url=membership, timeout=30.0) as http:
        page = (await http.get("/v1/organisations", params={"status": "member", "limit": 200}, headers=headers)).json()
    return [
        (by_name[o["name"]], o["id"])
        for o in page["items"]
        if o["name"] in by_name and o.get("contact_person_id") == f"demo-{by_name[o['name']].slug}-contact"
    ]
