"""Who the position and mobility rules reach (issue 10), beyond the one recipient of each end-to-end scenario:
a reminder only the people mandated for an organisation that has not voted, a request to endorse the board
members and nobody else, news of interest only the offering organisation; and a reminder published on the real
broker ends in the mandated person's inbox."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from npd_contracts import Envelope, MemberJoined, OrganisationKind, Role
from npd_contracts.mobility import InterestExpressed
from npd_contracts.positions import PositionCirculated, PositionReminderDue

NOW = datetime.now(UTC)


async def told(kit: Any, rule: str) -> set[str]:
    rows = await kit.rows("SELECT recipient_person_id FROM notifications WHERE kind = :rule", rule=rule)
    return {r["recipient_person_id"] for r in rows}


def reminder(org: Any, *mandated: str) -> PositionReminderDue:
    return PositionReminderDue(
        position_id=uuid4(),
        organisation_id=org,
        title=f"Standpunt {uuid4().hex[:6]}",
        deadline=NOW + timedelta(days=2),
        mandated_person_ids=list(mandated),
        reminded_at=NOW,
    )


async def test_a_reminder_reaches_exactly_the_mandated_people_not_the_rest_of_their_board(kit: Any) -> None:
    org, [(mandated, _), (board, _), (colleague, _)] = await kit.organisation(3, roles=(Role.BOARD_MEMBER,))
    await kit.handle(reminder(org, mandated))
    reached = await told(kit, "position_reminder_due.mandated")
    assert mandated in reached
    assert not {board, colleague} & reached


async def test_a_request_to_endorse_reaches_board_members_not_other_members(kit: Any) -> None:
    org, [(board, _)] = await kit.organisation(1, roles=(Role.BOARD_MEMBER,))
    _, [(member, _)] = await kit.organisation(1, roles=(Role.MEMBER,))
    await kit.handle(
        PositionCirculated(
            position_id=uuid4(),
            group_id=uuid4(),
            title="Notitie",
            version=1,
            deadline=NOW + timedelta(days=10),
            organisation_ids=[org],
            circulated_at=NOW,
        )
    )
    reached = await told(kit, "position_circulated.board_members")
    assert board in reached and member not in reached


async def test_news_of_interest_reaches_the_offering_admins_and_contact_and_nobody_of_other_organisations(
    kit: Any,
) -> None:
    offering, [(admin, _)] = await kit.organisation(1, roles=(Role.ORG_ADMIN,))
    _, [(contact, _), (colleague, _)] = await kit.organisation(2, roles=(Role.MEMBER,))
    _, [(other_admin, _)] = await kit.organisation(1, roles=(Role.ORG_ADMIN,))
    await kit.handle(
        InterestExpressed(
            opportunity_id=uuid4(),
            interest_id=uuid4(),
            organisation_id=offering,
            contact_person_id=contact,
            expressed_at=NOW,
        )
    )
    reached = await told(kit, "interest_expressed.offering")
    assert {admin, contact} <= reached
    assert not {colleague, other_admin} & reached


async def test_a_reminder_from_the_broker_lands_once_in_the_mandated_persons_inbox(
    kit: Any, wait_for: Any, app: Any, token: Any
) -> None:
    org = uuid4()
    await kit.handle(
        MemberJoined(
            organisation_id=org,
            name=f"Gemeente {org.hex[:6]}",
            kind=OrganisationKind.MUNICIPALITY,
            contact_person_id="c",
            joined_at=NOW,
        )
    )
    mandated, _ = await kit.person(org=org, roles=(Role.BOARD_MEMBER,))
    event = reminder(org, mandated)
    once = Envelope(data=event, source="/npd/membership")
    await kit.publish(once, once)  # a second delivery of the same event (same id) changes nothing

    async def inbox() -> list[Any]:
        items = (await app.state.client.get("/v1/inbox", headers=token(mandated))).json()["items"]
        return [n for n in items if n["kind"] == "position_reminder_due.mandated"]

    [item] = await wait_for(inbox)
    assert event.title in item["title"]
