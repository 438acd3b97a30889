"""A run of events is notified by a few statements for the whole run (decision 108), and each event's
message still reaches exactly its own audience, in its own words, once: on the real database, through the
consumer's handlers as the runtime calls them with a fetched batch."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from npd_contracts import (
    Envelope,
    EventData,
    GroupCreated,
    GroupKind,
    GroupRole,
    JoinPolicy,
    MemberJoined,
    OrganisationKind,
    PersonJoinedGroup,
)
from npd_notifications.domain import Audience, Category, Message
from npd_notifications.fanout import fan_out_all
from npd_notifications.handlers import event_handlers
from sqlalchemy import text


def envelope(data: EventData) -> Envelope[Any]:
    return Envelope(data=data, source="/tests")


async def run(kit: Any, events: list[Envelope[Any]]) -> None:
    """Hand the run to its handler at once, in one transaction, as the consumer does with a batch."""
    handler = event_handlers()[type(events[0].data)]
    async with kit.app.state.sessions() as session, session.begin():
        await handler(session, events)


def joined(org: UUID, contact: str, name: str) -> Envelope[Any]:
    return envelope(
        MemberJoined(
            organisation_id=org,
            name=name,
            kind=OrganisationKind.MUNICIPALITY,
            contact_person_id=contact,
            joined_at=datetime.now(UTC),
        )
    )


def announcement(title: str) -> Message:
    return Message(
        id=uuid4(),
        source_event_id=f"test:{uuid4()}",
        rule="announcement",
        category=Category.ANNOUNCEMENTS,
        title_nl=title,
        body_nl=title,
        title_en=title,
        body_en=title,
        occurred_at=datetime.now(UTC),
    )


async def test_a_run_of_admissions_welcomes_each_organisation_in_its_own_words_and_only_its_people(kit: Any) -> None:
    orgs = []
    for i, language in enumerate(("nl", "en", "nl")):
        org, people = await kit.organisation(2, language=language)
        orgs.append((org, f"Gemeente Batch {i} {org.hex[:6]}", {pid for pid, _ in people}))
    # The contacts are among the organisations' people; the read model learns each new name from the run.
    events = [joined(org, sorted(people)[0], name) for org, name, people in orgs]
    await run(kit, events)

    for (_, name, people), event in zip(orgs, events, strict=True):
        items = await kit.rows(
            "SELECT n.recipient_person_id, n.title, n.body, n.id FROM notifications n JOIN messages m "
            "ON m.id = n.message_id WHERE m.source_event_id = :event AND m.rule = 'member_joined.welcome'",
            event=event.id,
        )
        assert {i["recipient_person_id"] for i in items} == people, "each welcome goes to its own organisation"
        assert all(name in i["body"] for i in items), "each message names its own organisation"
        mails = await kit.rows(
            "SELECT d.recipient FROM deliveries d JOIN messages m ON m.id = d.message_id "
            "WHERE m.source_event_id = :event AND m.rule = 'member_joined.welcome' AND d.channel = 'email'",
            event=event.id,
        )
        assert sorted(m["recipient"] for m in mails) == sorted(people)
    english = await kit.rows(
        "SELECT DISTINCT n.title FROM notifications n JOIN messages m ON m.id = n.message_id "
        "WHERE m.source_event_id = :event AND m.rule = 'member_joined.welcome'",
        event=events[1].id,
    )
    assert [row["title"] for row in english] == ["Welcome to the Netwerk Publieke Dienstverleners"]

    # The same run again (a redelivery the dedupe did not catch, or a replay): not one row more.
    before = await kit.rows("SELECT count(*) AS n FROM notifications")
    await run(kit, events)
    assert await kit.rows("SELECT count(*) AS n FROM notifications") == before


async def test_messages_of_several_audience_shapes_in_one_call_each_reach_their_own(kit: Any) -> None:
    org, people = await kit.organisation(3)
    _, others = await kit.organisation(2)
    group = GroupCreated(
        group_id=uuid4(),
        name="Werkgroep Batch",
        kind=GroupKind.WORKING_GROUP,
        topic="HR",
        joining=JoinPolicy.OPEN,
        created_at=datetime.now(UTC),
    )
    await kit.handle(group)
    member = others[0][0]
    await kit.handle(
        PersonJoinedGroup(group_id=group.group_id, person_id=member, role=GroupRole.MEMBER, joined_at=datetime.now(UTC))
    )

    to_org, to_group, to_two = announcement("org"), announcement("group"), announcement("two")
    named = (people[0][0], others[1][0])
    notices = [
        (to_org, Audience(organisation=org)),
        (to_group, Audience(groups=(group.group_id,))),
        (to_two, Audience(people=named, excluded=(people[0][0],))),
    ]
    async with kit.app.state.sessions() as session, session.begin():
        inbox, mails = await fan_out_all(session, notices)
    assert (inbox, mails) == (3 + 1 + 1, 3 + 1 + 1)

    async def recipients(m: Message) -> set[str]:
        rows = await kit.rows("SELECT recipient_person_id FROM notifications WHERE message_id = :m", m=m.id)
        return {r["recipient_person_id"] for r in rows}

    assert await recipients(to_org) == {pid for pid, _ in people}
    assert await recipients(to_group) == {member}
    assert await recipients(to_two) == {others[1][0]}
    ids = await kit.rows(
        "SELECT count(DISTINCT id) AS n, count(*) AS total FROM deliveries WHERE message_id = ANY(:ms)",
        ms=[to_org.id, to_group.id, to_two.id],
    )
    assert ids[0]["n"] == ids[0]["total"] == 5

    async with kit.app.state.sessions() as session, session.begin():
        assert await fan_out_all(session, notices) == (0, 0)


async def test_the_rows_of_each_message_grow_from_its_own_digits_and_never_collide(kit: Any) -> None:
    """Inbox items and mails are numbered under a prefix of their message's id (decision 128): each index on
    them grows at one end, two messages to the same people never collide, and a replay writes nothing."""
    org, _ = await kit.organisation(3)
    first, second = announcement("een"), announcement("twee")
    notices = [(first, Audience(organisation=org)), (second, Audience(organisation=org))]
    async with kit.app.state.sessions() as session, session.begin():
        assert await fan_out_all(session, notices) == (6, 6)
    for m in (first, second):
        inbox = await kit.rows("SELECT id FROM notifications WHERE message_id = :m", m=m.id)
        mails = await kit.rows("SELECT id FROM deliveries WHERE message_id = :m AND channel = 'email'", m=m.id)
        assert len({r["id"] for r in inbox}) == len({r["id"] for r in mails}) == 3
        assert all(UUID(str(r["id"])).hex.startswith(m.id.hex[:20]) for r in inbox)
        assert all(UUID(str(r["id"])).hex.startswith(m.id.hex[12:]) for r in mails)
    async with kit.app.state.sessions() as session, session.begin():
        assert await fan_out_all(session, notices) == (0, 0)


async def test_a_long_run_names_every_organisation_it_points_at(kit: Any) -> None:
    """The names of a long run come from one statement joined on the ids (decision 128): every one of 60
    welcomes names its own organisation (non-ASCII names intact through the JSON batch), none another's."""
    orgs = [(uuid4(), f"Gemeente Súdwest-Fryslân {i:02d} “Lang”") for i in range(60)]
    events = [joined(org, f"c-long-{org.hex[:8]}", name) for org, name in orgs]
    await run(kit, events)
    rows = await kit.rows(
        "SELECT m.source_event_id, m.body_nl FROM messages m WHERE m.rule = 'member_joined.board' "
        "AND m.source_event_id = ANY(:events)",
        events=[e.id for e in events],
    )
    bodies = {r["source_event_id"]: r["body_nl"] for r in rows}
    assert len(bodies) == 60
    for event, (_, name) in zip(events, orgs, strict=True):
        assert bodies[event.id].startswith(name + " "), (name, bodies[event.id])


async def test_a_run_of_events_calls_only_the_subscriptions_that_want_each_one(kit: Any, receiver: Any) -> None:
    ours, theirs = uuid4(), uuid4()
    subscription = uuid4()
    async with kit.app.state.sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO webhook_subscriptions "
                "(id, organisation_id, url, event_types, secret, enabled, created_by) "
                "VALUES (:id, :org, :url, :types, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true, 'test')"
            ),
            {
                "id": subscription,
                "org": ours,
                "url": f"http://127.0.0.1:{receiver.port}/batch/{subscription}",
                "types": [MemberJoined.TYPE],
            },
        )
    events = [joined(theirs, "c-theirs", "Theirs"), joined(ours, "c-ours", "Ours"), joined(uuid4(), "c-x", "X")]
    await run(kit, events)
    rows = await kit.rows(
        "SELECT m.source_event_id, m.payload FROM deliveries d JOIN messages m ON m.id = d.message_id "
        "WHERE d.channel = 'webhook' AND d.recipient = :sub",
        sub=str(subscription),
    )
    assert [r["source_event_id"] for r in rows] == [events[1].id]
    assert rows[0]["payload"]["data"]["organisation_id"] == str(ours)
    assert rows[0]["payload"]["type"] == MemberJoined.TYPE
