"""`make demo`'s practices and pilots go through the events API, and seeding again adds nothing."""

from typing import Any

import httpx
from npd_devstack.demo_knowledge import PILOTS, PRACTICES, DemoOrg, seed_knowledge
from npd_devstack.issuer import DevIssuer

from .conftest import Network


async def test_the_demo_practices_and_pilots_are_seeded_through_the_api_and_again_adds_nothing(
    app_and_client: tuple[Any, httpx.AsyncClient], network: Network, dev_issuer: DevIssuer
) -> None:
    app, client = app_and_client
    admin = await network.member("admin", "network_admin")
    orgs, people = [], []
    for n in range(8):
        org = await network.organisation(f"Gemeente Demo {n}")
        await network.member(f"demo-kd-{n}-contact", "org_admin", org=org)
        await network.member(f"demo-kd-{n}-1", org=org)
        orgs.append(DemoOrg(str(org), f"demo-kd-{n}-contact"))
        people.append(f"demo-kd-{n}-1")
    groups: dict[str, tuple[str, list[str]]] = {}
    for name in ("Audit", "Compliance"):
        group = await network.group(name=name)
        member = f"demo-kd-{name.lower()}-member"
        await network.member(member, org=await network.organisation(), groups={group: "member"})
        groups[name] = (str(group), [member])
    transport = httpx.ASGITransport(app=app)
    # Not the programme's seeder here: its own test needs an empty conference (both share the events
    # database), so the links to its reports are not checked here.
    first = await seed_knowledge("http://events", dev_issuer, people, groups, orgs, transport=transport, wait_s=5)
    again = await seed_knowledge("http://events", dev_issuer, people, groups, orgs, transport=transport, wait_s=5)
    assert set(again.values()) == {0}, again
    assert first["practices"] <= len(PRACTICES) and first["adoptions"] > 0

    shared = (await client.get("/v1/practices?limit=100", headers=admin)).json()["items"]
    ours = {p["title"]: p for p in shared if p["title"] in {d.title for d in PRACTICES}}
    assert len(ours) == len(PRACTICES) == 9  # each shared once, however often seeded
    labels = [p["label"] for p in ours.values()]
    assert {label: labels.count(label) for label in set(labels)} == {
        "public": 2,
        "network": 3,
        "group": 2,
        "chatham_house": 2,
    }
    assert {p["group_name"] for p in ours.values() if p["label"] == "group"} == {"Audit", "Compliance"}
    # Outside the group, a member of the network reads neither group practice; the public reads the public two.
    outsider = (await client.get("/v1/practices?limit=100", headers=network.token(people[0]))).json()["items"]
    assert not {p["title"] for p in outsider if p["label"] == "group"} & set(ours)
    anonymous = (await client.get("/v1/public/practices?limit=100")).json()["items"]
    assert len({p["title"] for p in anonymous} & set(ours)) == 2

    pilots = {p["title"]: p for p in (await client.get("/v1/pilots?limit=100", headers=admin)).json()["items"]}
    for demo in PILOTS:
        pilot = pilots[demo.title]
        assert pilot["executive"] is not None and pilot["supplier_name"] == demo.supplier and pilot["stakeholders"]
        spread = pilot["spread"]
        assert spread["intends"] >= 1 and spread["started"] >= 1 and spread["in_use"] >= 1, spread
        adoptions = (await client.get(f"/v1/pilots/{pilot['id']}/adoptions", headers=admin)).json()["items"]
        assert {a["organisation_id"] for a in adoptions} <= {o.organisation_id for o in orgs}
    followed = 0
    for sub in people:
        page = (await client.get("/v1/pilots?followed=true&limit=100", headers=network.token(sub))).json()["items"]
        followed += len([p for p in page if p["title"] in pilots])
    assert followed == 9  # three followers for each of the three pilots
