"""Pilots on the real PostgreSQL: registered by a member organisation, followed by people, adopted by several
organisations (each by its own admins, with history), and its spread per status against the current members."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
from npd_contracts import MemberLeft, PersonErased, Role
from npd_contracts.membership import LeaveReason

from .conftest import Network


def pilot(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Proactieve schuldhulp",
        "problem": "Inwoners met schulden melden zich te laat.",
        "approach": "Signalen van betalingsachterstanden combineren en inwoners zelf benaderen.",
        "status": "running",
        "documents": [{"title": "Plan van aanpak", "url": "https://npd.example/pilots/plan.pdf"}],
        "supplier_name": "Stichting Inlichtingenbureau",
        "stakeholders": [{"name": "Kredietbank", "role": "uitvoering"}],
    } | extra


async def _members_now(client: httpx.AsyncClient, headers: dict[str, str], pilot_id: str) -> int:
    return int((await client.get(f"/v1/pilots/{pilot_id}", headers=headers)).json()["spread"]["members"])


async def test_a_pilot_followed_and_adopted_by_several_organisations_with_its_spread_per_status(
    client: httpx.AsyncClient, network: Network
) -> None:
    owner = await network.organisation("Gemeente Pilotstad")
    executive = await network.organisation("Gemeente Uitvoerdorp")
    _, owner_admin = await network.person(Role.ORG_ADMIN, org=owner)
    registered = await client.post(
        "/v1/pilots", json=pilot(executive_organisation_id=str(executive)), headers=owner_admin
    )
    assert registered.status_code == 201, registered.text
    body = registered.json()
    pilot_id = body["id"]
    assert body["owner"] == {"id": str(owner), "name": "Gemeente Pilotstad"}
    assert body["executive"]["name"] == "Gemeente Uitvoerdorp" and body["spread"]["in_use"] == 0
    [event] = await network.outbox("nl.npd.events.pilot-registered.v1", pilot_id)
    assert event["owner_organisation_id"] == str(owner) and event["status"] == "running"

    # Followers: people of the network; following twice says it once.
    follower_id, follower = await network.person()
    for _ in range(2):
        assert (await client.put(f"/v1/pilots/{pilot_id}/follow", headers=follower)).status_code == 204
    assert len(await network.outbox("nl.npd.events.pilot-followed.v1", pilot_id)) == 1
    mine = await client.get("/v1/pilots?followed=true", headers=follower)
    assert [p["id"] for p in mine.json()["items"]] == [pilot_id] and mine.json()["items"][0]["following"] is True

    # Seven organisations adopt it: 2 intend, 2 started, 3 in use; each set by its own admin.
    statuses = ["intends", "intends", "started", "started", "in_use", "in_use", "in_use"]
    admins = []
    for i, status in enumerate(statuses):
        org = await network.organisation(f"Gemeente Adoptie {i} {uuid4().hex[:4]}")
        _, admin = await network.person(Role.ORG_ADMIN, org=org)
        admins.append((org, admin))
        answer = await client.put(f"/v1/pilots/{pilot_id}/adoptions/{org}", json={"status": status}, headers=admin)
        assert answer.status_code == 200, answer.text
    members = await _members_now(client, follower, pilot_id)
    spread = (await client.get(f"/v1/pilots/{pilot_id}/adoptions", headers=follower)).json()
    assert spread["spread"] == {"members": members, "intends": 2, "started": 2, "in_use": 3}
    assert len(spread["items"]) == 7

    # One moves on from intends to in_use; history keeps both steps; the same status again changes nothing.
    org, admin = admins[0]
    for _ in range(2):
        moved = await client.put(f"/v1/pilots/{pilot_id}/adoptions/{org}", json={"status": "in_use"}, headers=admin)
        assert moved.json()["spread"] == {"members": members, "intends": 1, "started": 2, "in_use": 4}
    history = (await client.get(f"/v1/pilots/{pilot_id}/adoption-history?limit=200", headers=follower)).json()
    steps = [(h["previous_status"], h["status"]) for h in history["items"] if h["organisation_id"] == str(org)]
    assert steps == [(None, "intends"), ("intends", "in_use")]
    changes = await network.outbox("nl.npd.events.pilot-adoption-changed.v1", pilot_id)
    assert [c["status"] for c in changes if c["organisation_id"] == str(org)] == ["intends", "in_use"]

    # Only that organisation's admins: not its members, not another organisation's admin, not a network admin.
    _, plain_member = await network.person(org=org)
    _, network_admin = await network.person(Role.NETWORK_ADMIN)
    for who in (plain_member, admins[1][1], network_admin, owner_admin):
        refused = await client.put(f"/v1/pilots/{pilot_id}/adoptions/{org}", json={"status": "started"}, headers=who)
        assert refused.status_code == 403 and refused.json()["type"] == "urn:npd:problem:not-the-organisations-admin"

    # Withdrawn: gone from the spread, kept in the history.
    assert (await client.delete(f"/v1/pilots/{pilot_id}/adoptions/{org}", headers=admin)).status_code == 204
    spread = (await client.get(f"/v1/pilots/{pilot_id}/adoptions", headers=follower)).json()["spread"]
    assert spread == {"members": members, "intends": 1, "started": 2, "in_use": 3}

    # An organisation that leaves the network no longer counts, nor is counted among the members.
    left_org = admins[6][0]
    await network.deliver(MemberLeft(organisation_id=left_org, reason=LeaveReason.WITHDREW, left_at=datetime.now(UTC)))
    spread = (await client.get(f"/v1/pilots/{pilot_id}", headers=follower)).json()["spread"]
    assert spread["in_use"] == 2 and spread["members"] <= members - 1

    # The owner's admin changes its status and results: one PilotUpdated saying so.
    changed = await client.put(
        f"/v1/pilots/{pilot_id}",
        json=pilot(executive_organisation_id=str(executive), status="proven", results="40% eerder in beeld."),
        headers=owner_admin,
    )
    assert changed.status_code == 200 and changed.json()["status"] == "proven"
    [updated] = await network.outbox("nl.npd.events.pilot-updated.v1", pilot_id)
    assert updated["previous_status"] == "running" and updated["results_changed"] is True
    assert set(updated["changed"]) == {"status", "results"}
    refused = await client.put(f"/v1/pilots/{pilot_id}", json=pilot(), headers=follower)
    assert refused.status_code == 403 and refused.json()["type"] == "urn:npd:problem:not-the-owner"

    # Erasure: the follow goes.
    await network.deliver(PersonErased(person_id=follower_id, erased_at=datetime.now(UTC)))
    _, again = await network.person(sub=follower_id)
    assert (await client.get(f"/v1/pilots/{pilot_id}", headers=again)).json()["following"] is False


async def test_pilots_are_refused_precisely(client: httpx.AsyncClient, network: Network) -> None:
    org = await network.organisation()
    _, admin = await network.person(Role.ORG_ADMIN, org=org)
    _, member = await network.person(org=org)
    cases: list[tuple[dict[str, str], dict[str, Any], int, str]] = [
        (member, pilot(), 403, "not-the-owner"),
        (admin, pilot(owner_organisation_id=str(uuid4())), 403, "not-the-owner"),
        (admin, pilot(executive_organisation_id=str(uuid4())), 422, "unknown-organisation"),
        (admin, pilot(documents=[{"title": "x", "url": "http://npd.example/plan.pdf"}]), 422, "validation-failed"),
        (admin, pilot(status="dreaming"), 422, "validation-failed"),
        (admin, pilot(supplier_name=""), 422, "validation-failed"),
    ]
    for headers, body, code, kind in cases:
        answer = await client.post("/v1/pilots", json=body, headers=headers)
        assert answer.status_code == code and answer.json()["type"] == f"urn:npd:problem:{kind}", answer.text
    unknown = await client.get(f"/v1/pilots/{uuid4()}", headers=member)
    assert unknown.status_code == 404 and unknown.json()["type"] == "urn:npd:problem:unknown-pilot"
    made = (await client.post("/v1/pilots", json=pilot(), headers=admin)).json()
    bad = await client.put(f"/v1/pilots/{made['id']}/adoptions/{org}", json={"status": "maybe"}, headers=admin)
    assert bad.status_code == 422
    assert (await client.get("/v1/pilots")).status_code == 401
