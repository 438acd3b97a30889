"""Membership's lifecycles reach the real Kafka broker: each event on its topic, keyed by its aggregate, in the
order it happened (the relay runs here, unlike in the other membership tests)."""

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer
from npd_contracts import decode
from npd_membership.config import MembershipSettings
from npd_membership.main import create_app

Headers = dict[str, str]
ORGANISATION, PERSON = "npd.membership.organisation", "npd.membership.person"


async def read(kafka: str, wanted: dict[str, set[str]], n: int) -> list[tuple[str, str, str]]:
    """(topic, key, short type) of the first `n` records whose key is wanted on that topic, in topic order."""
    consumer = AIOKafkaConsumer(
        *wanted, bootstrap_servers=kafka, group_id=f"reader-{uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    found: list[tuple[str, str, str]] = []
    try:
        async with asyncio.timeout(30):
            while len(found) < n:
                for partition, records in (await consumer.getmany(timeout_ms=500)).items():
                    for r in records:
                        key = (r.key or b"").decode()
                        if key in wanted[partition.topic]:
                            kind = decode(r.value, list(r.headers)).type.removeprefix("nl.npd.membership.")
                            found.append((partition.topic, key, kind.removesuffix(".v1")))
    finally:
        await consumer.stop()
    return found


async def test_an_organisations_life_and_its_peoples_reach_kafka_keyed_and_in_order(
    service_settings: Callable[..., dict[str, Any]],
    run_app: Callable[..., Any],
    token: Callable[..., Headers],
    person: Callable[..., Any],
    kafka: str,
) -> None:
    app = create_app(MembershipSettings(**service_settings("membership")))
    admin = await person("kafka-admin", "network_admin")
    async with run_app(app) as client:
        contact = f"contact-{uuid4().hex[:8]}"
        body = {
            "name": f"Gemeente {uuid4().hex[:8]}",
            "kind": "province",
            "contact_name": "C",
            "contact_email": "c@x.nl",
        }
        org = (await client.post("/v1/organisations", json=body, headers=token(contact))).json()["id"]
        for step, reason in (("admit", None), ("suspend", "unpaid"), ("reinstate", None)):
            json = {"reason": reason} if reason else None
            assert (await client.post(f"/v1/organisations/{org}/{step}", json=json, headers=admin)).status_code == 200
        org_admin = token(contact, "org_admin", org_id=org)
        invited = await client.post(
            f"/v1/organisations/{org}/invitations", json={"email": "i@x.nl", "name": "I"}, headers=org_admin
        )
        colleague = f"colleague-{uuid4().hex[:8]}"
        accept = f"/v1/invitations/{invited.json()['id']}/accept"
        assert (await client.post(accept, json={"code": invited.json()["code"]}, headers=token(colleague))).is_success
        assert (
            await client.post(f"/v1/organisations/{org}/leave", headers=admin, json={"reason": "removed"})
        ).is_success

        events = await read(kafka, {ORGANISATION: {org}, PERSON: {contact, colleague}}, n=15)

    def of(key: str) -> list[str]:
        return [kind for _, k, kind in events if k == key]

    assert {(topic, key) for topic, key, _ in events} == {(ORGANISATION, org), (PERSON, contact), (PERSON, colleague)}
    assert of(org) == [
        "organisation-applied",
        "member-joined",
        "member-suspended",
        "member-reinstated",
        "member-left",
    ]
    granted, revoked = "person-role-granted", "person-role-revoked"
    assert of(contact) == ["person-registered", granted, granted, revoked, revoked, "person-left"]
    assert of(colleague) == ["person-registered", granted, revoked, "person-left"]
