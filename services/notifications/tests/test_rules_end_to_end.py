"""Each rule from its source event on the real broker to a mail the real SMTP server received (parsed:
headers, plain-text and HTML parts), an inbox item, and a signed webhook call that the `standardwebhooks`
package (an independent verifier) accepts."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from npd_contracts import (
    EventData,
    GroupCreated,
    GroupKind,
    GroupRole,
    JoinPolicy,
    MemberJoined,
    OrganisationApplied,
    OrganisationKind,
    PersonContactChanged,
    PersonJoinedGroup,
    PersonRegistered,
    PersonRoleGranted,
    Role,
)
from npd_devstack.smtp_sink import MailSink
from npd_notifications.rules import RULES
from standardwebhooks.webhooks import Webhook


@dataclass(frozen=True)
class Scenario:
    trigger: EventData
    recipient: str
    address: str
    english: bool
    subject: str  # what the mail's subject contains


NOW = datetime.now(UTC)


def _group(kind: GroupKind = GroupKind.WORKING_GROUP) -> GroupCreated:
    return GroupCreated(
        group_id=uuid4(),
        name=f"Groep {uuid4().hex[:6]}",
        kind=kind,
        topic="HR",
        joining=JoinPolicy.OPEN,
        created_at=NOW,
    )


def _joined(contact: str) -> MemberJoined:
    name = f"Gemeente {uuid4().hex[:6]}"
    return MemberJoined(
        organisation_id=uuid4(), name=name, kind=OrganisationKind.MUNICIPALITY, contact_person_id=contact, joined_at=NOW
    )


async def member_joined_welcome(kit: Any) -> Scenario:
    contact, address = await kit.person(language="en")
    event = _joined(contact)
    return Scenario(event, contact, address or "", True, "Welcome to the Netwerk")


async def member_joined_board(kit: Any) -> Scenario:
    board = _group(GroupKind.BOARD)
    member, address = await kit.person()
    await kit.handle(
        board, PersonJoinedGroup(person_id=member, group_id=board.group_id, role=GroupRole.MEMBER, joined_at=NOW)
    )
    event = _joined(f"c-{uuid4().hex[:6]}")
    return Scenario(event, member, address or "", False, f"Nieuw lid: {event.name}")


async def organisation_applied(kit: Any) -> Scenario:
    admin, address = await kit.person(roles=(Role.NETWORK_ADMIN,))
    name = f"Waterschap {uuid4().hex[:6]}"
    event = OrganisationApplied(
        organisation_id=uuid4(), name=name, kind=OrganisationKind.WATER_BOARD, applicant_person_id="x", applied_at=NOW
    )
    return Scenario(event, admin, address or "", False, f"Aanmelding: {name}")


async def person_registered(kit: Any) -> Scenario:
    pid, address = f"p-{uuid4().hex[:10]}", f"new-{uuid4().hex[:6]}@example.nl"
    await kit.handle(PersonContactChanged(person_id=pid, email=address, changed_at=NOW))
    event = PersonRegistered(person_id=pid, organisation_id=None, name="Ada Lovelace", language="en", registered_at=NOW)
    return Scenario(event, pid, address, True, "Welcome, Ada Lovelace")


async def org_admin_granted(kit: Any) -> Scenario:
    org = _joined("c")
    await kit.handle(org)
    pid, address = await kit.person(org=org.organisation_id)
    event = PersonRoleGranted(person_id=pid, role=Role.ORG_ADMIN, organisation_id=org.organisation_id, granted_at=NOW)
    return Scenario(event, pid, address or "", False, f"U bent nu beheerder van {org.name}")


async def joined_group(kit: Any) -> Scenario:
    group = _group()
    chair, address = await kit.person(language="en")
    newcomer, _ = await kit.person()
    await kit.handle(
        group, PersonJoinedGroup(person_id=chair, group_id=group.group_id, role=GroupRole.CHAIR, joined_at=NOW)
    )
    event = PersonJoinedGroup(person_id=newcomer, group_id=group.group_id, role=GroupRole.MEMBER, joined_at=NOW)
    return Scenario(event, chair, address or "", True, f"New member of {group.name}")


async def group_created(kit: Any) -> Scenario:
    org = uuid4()
    admin, address = await kit.person(org=org, roles=(Role.ORG_ADMIN, Role.MEMBER))
    event = _group()
    return Scenario(event, admin, address or "", False, f"Nieuwe groep: {event.name}")


SCENARIOS: dict[str, Callable[[Any], Awaitable[Scenario]]] = {
    "member_joined.welcome": member_joined_welcome,
    "member_joined.board": member_joined_board,
    "organisation_applied.network_admins": organisation_applied,
    "person_registered.welcome": person_registered,
    "person_role_granted.org_admin": org_admin_granted,
    "person_joined_group.chairs": joined_group,
    "group_created.org_admins": group_created,
}


def test_every_rule_has_an_end_to_end_scenario() -> None:
    assert sorted(SCENARIOS) == sorted(rule.name for rule in RULES)


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
async def test_a_rule_sends_a_mail_fills_the_inbox_and_calls_a_signed_webhook(
    rule: str,
    app: Any,
    mail_sink: tuple[MailSink, Any],
    receiver: Any,
    kit: Any,
    token: Callable[..., dict[str, str]],
    wait_for: Callable[..., Any],
) -> None:
    sink, client = mail_sink[0], app.state.client
    scenario = await SCENARIOS[rule](kit)
    admin, _ = await kit.person(roles=(Role.NETWORK_ADMIN,), email=None)
    path = f"/hook/{uuid4().hex}"
    created = await client.post(
        "/v1/webhooks",
        json={"url": receiver.url(path), "event_types": [scenario.trigger.TYPE]},
        headers=token(admin),
    )
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]

    await kit.publish(scenario.trigger)

    async def mail() -> Any:
        return [m for m in sink.to(scenario.address) if scenario.subject in str(m["Subject"])]

    [message] = await wait_for(mail)
    assert str(message["Content-Language"]) == ("en" if scenario.english else "nl")
    assert message["Message-ID"] and message["Date"]
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert "<h1>" in html.get_content() and "--" in plain.get_content()
    critical = rule.startswith(("person_registered", "person_role_granted"))
    if critical:
        assert message["List-Unsubscribe"] is None
    else:
        assert str(message["List-Unsubscribe"]).startswith("<http") and "/unsubscribe/" in str(
            message["List-Unsubscribe"]
        )
        assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"

    # Membership grants every newcomer a role with their registration; the inbox is for people with one.
    member = PersonRoleGranted(person_id=scenario.recipient, role=Role.MEMBER, organisation_id=None, granted_at=NOW)
    await kit.handle(member)
    inbox = (await client.get("/v1/inbox", headers=token(scenario.recipient))).json()["items"]
    assert [n["kind"] for n in inbox].count(rule) == 1
    assert scenario.subject in next(n["title"] for n in inbox if n["kind"] == rule)

    [call] = await wait_for(lambda: _calls(receiver, path))
    payload = Webhook(secret).verify(call.body, call.headers)
    assert payload["type"] == scenario.trigger.TYPE
    assert payload["data"] == scenario.trigger.model_dump(mode="json")
    assert "@" not in call.body.decode()  # no addresses leave by webhook
    assert (await client.delete(f"/v1/webhooks/{created.json()['id']}", headers=token(admin))).status_code == 204


async def _calls(receiver: Any, path: str) -> list[Any]:
    return receiver.to(path)
