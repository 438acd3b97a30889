"""`make demo`'s conference and reports go through the events API, and seeding again adds nothing."""

from typing import Any

import httpx
from npd_devstack.demo_programme import seed_programme
from npd_devstack.issuer import DevIssuer

from .conftest import Network


async def test_the_demo_conference_and_reports_are_seeded_through_the_api_and_again_adds_nothing(
    app_and_client: tuple[Any, httpx.AsyncClient], network: Network, dev_issuer: DevIssuer
) -> None:
    app, client = app_and_client
    await network.member("admin", "network_admin")
    people = []
    for n in range(6):
        sub = f"demo-speaker-{n}"
        await network.member(sub, org=await network.organisation())
        people.append(sub)
    transport = httpx.ASGITransport(app=app)
    first = await seed_programme("http://events", dev_issuer, people, transport=transport, wait_s=5)
    again = await seed_programme("http://events", dev_issuer, people, transport=transport, wait_s=5)
    assert first["proposals"] == 6 and first["decisions"] == 6 and first["sessions"] == 5
    assert first["programmes published"] == 1 and first["reports"] == 3
    assert set(again.values()) == {0}, again
    public = (await client.get("/v1/public/reports?limit=100")).json()
    assert {"Verslag: Netwerkbijeenkomst voorjaar", "Verslag: Netwerkbijeenkomst zomer"} <= {
        r["title"] for r in public["items"]
    }
    assert "Verslag: Bestuursvergadering najaar" not in {r["title"] for r in public["items"]}
