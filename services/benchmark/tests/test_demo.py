"""`make demo`'s benchmark part, through the API: three published cycles with 45+ participants each, and a
second run adds nothing."""

from typing import Any

import httpx
from npd_contracts import OrganisationKind, SizeClass
from npd_devstack.demo_benchmark import YEARS, seed_benchmark
from npd_devstack.demo_data import organisations
from npd_devstack.issuer import DevIssuer

from .conftest import add_org, add_person


async def test_the_demo_benchmark_is_seeded_through_the_api_and_seeding_again_adds_nothing(
    app: Any, client: httpx.AsyncClient, dev_issuer: DevIssuer
) -> None:
    await add_person(app, "admin", "network_admin")
    members = []
    for org in organisations()[:50]:
        size = SizeClass(org.size_class) if org.size_class else None
        org_id = await add_org(app, org.name, OrganisationKind(org.kind), size)
        await add_person(app, f"demo-{org.slug}-contact", "org_admin", org=org_id)
        members.append((org, str(org_id)))
    transport = httpx.ASGITransport(app=app)
    first = await seed_benchmark("http://benchmark", dev_issuer, members, transport=transport)
    again = await seed_benchmark("http://benchmark", dev_issuer, members, transport=transport)
    assert first["benchmark cycles"] == 3 and first["submissions"] >= 3 * 45 and first["improvement actions"] == 12
    assert set(again.values()) == {0}, again
    admin = {"Authorization": f"Bearer {dev_issuer.mint('admin', [])}"}
    cycles = {c["year"]: c for c in (await client.get("/v1/cycles", headers=admin)).json()}
    for year in YEARS:
        assert cycles[year]["status"] == "published"
        subs = (await client.get(f"/v1/cycles/{cycles[year]['id']}/submissions", headers=admin)).json()
        assert sum(s["status"] == "final" for s in subs) >= 45
    contact = {"Authorization": f"Bearer {dev_issuer.mint(f'demo-{members[0][0].slug}-contact', [])}"}
    position = (await client.get(f"/v1/cycles/{cycles[2025]['id']}/position", headers=contact)).json()
    absence = next(p for p in position if p["kpi_id"] == "sickness_absence_pct")
    assert [t["year"] for t in absence["trend"]] == list(YEARS)
