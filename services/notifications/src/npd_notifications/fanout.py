"""Fan-out: a message is recorded once, then its inbox items and e-mail deliveries are written by one
INSERT ... SELECT over the audience (never one row at a time), whatever its size: a welcome to one person
and an announcement to 200,000 take the same path. The message row (its id derived from the event and the
rule) is the guard: a redelivery or a replay finds it and adds nothing, so the fan-out itself needs no
ON CONFLICT; the unique keys (message, recipient[, channel]) stay as a backstop that fails loudly. Row ids
are the message's prefix and a running number, so each index on them grows at one end instead of at
200,000 random places.
"""

import json
from collections.abc import Mapping
from typing import Any
from uuid import uuid5

from npd_contracts import Envelope, EventData
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications.domain import Audience, Channel, Message, default_cadence, message_id, render
from npd_notifications.models import MESSAGES, messages
from npd_notifications.rules import Rule

_INSERT_MESSAGE = insert(messages).on_conflict_do_nothing(index_elements=["id"]).returning(messages.c.id)


def _audience_sql(audience: Audience) -> tuple[str, dict[str, Any]]:
    """The audience as one SELECT of distinct person ids, with its parameters."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    if audience.people:
        parts.append("SELECT unnest(CAST(:people AS varchar[])) AS person_id")
        params["people"] = list(audience.people)
    if audience.roles:
        where = "held AND role = ANY(CAST(:roles AS varchar[]))"
        if audience.organisation is not None:
            where += " AND organisation_id = CAST(:organisation AS uuid)"
        if audience.invited_to is not None:
            where += (
                " AND organisation_id IN (SELECT organisation_id FROM benchmark_invitations "
                "WHERE cycle_id = CAST(:invited_to AS uuid))"
            )
            params["invited_to"] = audience.invited_to
        parts.append(f"SELECT person_id FROM access_roles WHERE {where}")
        params["roles"] = list(audience.roles)
    elif audience.organisation is not None:
        parts.append("SELECT person_id FROM recipients WHERE active AND organisation_id = CAST(:organisation AS uuid)")
    if audience.organisation is not None:
        params["organisation"] = audience.organisation
    if audience.groups or audience.group_kinds:
        conditions = ["m.held"]
        if audience.group_roles:
            conditions.append("m.role = ANY(CAST(:group_roles AS varchar[]))")
            params["group_roles"] = list(audience.group_roles)
        which = []
        if audience.groups:
            which.append("m.group_id = ANY(CAST(:groups AS uuid[]))")
            params["groups"] = list(audience.groups)
        if audience.group_kinds:
            which.append(
                "m.group_id IN (SELECT group_id FROM recipient_groups "
                "WHERE NOT archived AND kind = ANY(CAST(:group_kinds AS varchar[])))"
            )
            params["group_kinds"] = list(audience.group_kinds)
        conditions.append(f"({' OR '.join(which)})")
        parts.append(f"SELECT m.person_id FROM access_group_members m WHERE {' AND '.join(conditions)}")
    if audience.everyone:
        parts.append("SELECT person_id FROM recipients WHERE active")
    if audience.meeting is not None:  # a group's meeting: its members; the board's: the board's members
        parts.append(
            "SELECT m.person_id FROM access_group_members m JOIN recipient_meetings mt "
            "ON mt.meeting_id = CAST(:meeting AS uuid) WHERE m.held AND ("
            "(mt.audience = 'group' AND m.group_id = mt.host_group_id) OR (mt.audience = 'board' AND m.group_id IN "
            "(SELECT group_id FROM recipient_groups WHERE NOT archived AND kind = 'board')))"
        )
        params["meeting"] = audience.meeting
    if audience.registered_for is not None:
        waiting = "" if audience.waitlist else " AND NOT waitlisted"
        parts.append(
            f"SELECT person_id FROM meeting_registrations WHERE meeting_id = CAST(:registered_for AS uuid){waiting}"
        )
        params["registered_for"] = audience.registered_for
    if audience.paper_of is not None:
        parts.append("SELECT submitter_id AS person_id FROM paper_submitters WHERE paper_id = CAST(:paper_of AS uuid)")
        params["paper_of"] = audience.paper_of
    if audience.followers_of is not None:
        parts.append("SELECT person_id FROM pilot_followers WHERE pilot_id = CAST(:followers_of AS uuid)")
        params["followers_of"] = audience.followers_of
    if not parts:
        parts.append("SELECT CAST(NULL AS varchar) AS person_id WHERE false")
    sql = " UNION ".join(parts)
    if audience.excluded:
        sql = f"SELECT person_id FROM ({sql}) u WHERE person_id <> ALL(CAST(:excluded AS varchar[]))"
        params["excluded"] = list(audience.excluded)
    return sql, params


# Inbox items and e-mail deliveries in one statement; each person's language picks the words of their
# inbox item, their preference for the message's category picks (or skips) the channel.
_FAN_OUT = """
WITH audience AS ({audience}),
inbox AS (
    INSERT INTO notifications (id, recipient_person_id, kind, title, body, organisation_id, message_id, category)
    SELECT CAST(:inbox_ids || lpad(to_hex(row_number() OVER ()), 12, '0') AS uuid), a.person_id, :rule,
           CASE WHEN r.language ILIKE 'en%' THEN :title_en ELSE :title_nl END,
           CASE WHEN r.language ILIKE 'en%' THEN :body_en ELSE :body_nl END,
           CAST(:organisation_id AS uuid), CAST(:message_id AS uuid), :category
    FROM audience a
    LEFT JOIN recipients r ON r.person_id = a.person_id
    LEFT JOIN preferences p ON p.person_id = a.person_id AND p.category = :category AND p.channel = 'inbox'
    WHERE a.person_id IS NOT NULL AND coalesce(p.cadence, 'immediate') <> 'off'
    RETURNING 1
),
mail AS (
    INSERT INTO deliveries (id, message_id, channel, recipient, status, cadence)
    SELECT CAST(:mail_ids || lpad(to_hex(row_number() OVER ()), 12, '0') AS uuid), CAST(:message_id AS uuid),
           'email', a.person_id,
           CASE WHEN c.cadence IN ('daily', 'weekly') THEN 'held' ELSE 'pending' END, c.cadence
    FROM audience a
    LEFT JOIN preferences p ON p.person_id = a.person_id AND p.category = :category AND p.channel = 'email'
    CROSS JOIN LATERAL (SELECT coalesce(p.cadence, :email_default) AS cadence) c
    WHERE a.person_id IS NOT NULL AND c.cadence <> 'off'
    RETURNING 1
)
SELECT (SELECT count(*) FROM inbox), (SELECT count(*) FROM mail)
"""


async def fan_out(session: AsyncSession, message: Message, audience: Audience) -> tuple[int, int]:
    """Record the message and write its inbox items and e-mail deliveries: (inbox items, mails) written now;
    (0, 0) when this message was recorded before."""
    recorded = await session.execute(_INSERT_MESSAGE, MESSAGES.values(message, *MESSAGES.fields))
    if recorded.first() is None:
        return 0, 0
    audience_sql, params = _audience_sql(audience)
    row = (
        await session.execute(
            text(_FAN_OUT.format(audience=audience_sql)),
            {
                **params,
                "rule": message.rule,
                "category": message.category.value,
                "email_default": default_cadence(message.category, Channel.EMAIL).value,
                "message_id": message.id,
                "inbox_ids": str(uuid5(message.id, "inbox"))[:24],
                "mail_ids": str(uuid5(message.id, "email"))[:24],
                "organisation_id": message.organisation_id,
                "title_nl": message.title_nl,
                "body_nl": message.body_nl,
                "title_en": message.title_en,
                "body_en": message.body_en,
            },
        )
    ).one()
    return int(row[0]), int(row[1])


_NAMES = text(
    "SELECT (SELECT name FROM recipients WHERE person_id = :person) AS person, "
    "(SELECT name FROM recipient_organisations WHERE organisation_id = CAST(:organisation AS uuid)) AS organisation, "
    '(SELECT name FROM recipient_groups WHERE group_id = CAST(:group AS uuid)) AS "group", '
    "(SELECT title FROM recipient_meetings WHERE meeting_id = CAST(:meeting AS uuid)) AS meeting, "
    "(SELECT title FROM paper_submitters WHERE paper_id = CAST(:paper AS uuid)) AS paper"
)


async def _names(session: AsyncSession, ids: dict[str, Any]) -> dict[str, str]:
    if all(value is None for value in ids.values()):
        return {}
    found = (await session.execute(_NAMES, ids)).mappings().one()
    return {key: value for key, value in found.items() if value}


async def notify(session: AsyncSession, rule: Rule[Any], event: Envelope[Any]) -> tuple[int, int]:
    """One rule applied to one event: its message in both languages, fanned out to its audience."""
    data = event.data
    person, organisation = rule.person(data), rule.organisation(data)
    ids = {
        "person": person,
        "organisation": organisation,
        "group": rule.group(data),
        "meeting": rule.meeting(data),
        "paper": rule.paper(data),
    }
    params = {**await _names(session, ids), **rule.params(data)}
    title_nl, body_nl, title_en, body_en = render(rule.template, params)
    message = Message(
        id=message_id(event.id, rule.name),
        source_event_id=event.id,
        rule=rule.name,
        category=rule.category,
        title_nl=title_nl,
        body_nl=body_nl,
        title_en=title_en,
        body_en=body_en,
        occurred_at=rule.at(data),
        about_person_id=person,
        organisation_id=organisation,
    )
    return await fan_out(session, message, rule.audience(data))


# -- webhooks ------------------------------------------------------------------------------------------------

# The event, as webhook endpoints receive it, recorded only when an enabled subscription wants its type;
# then one delivery per such subscription: the network's, and the organisation's the event is about.
_WEBHOOK_FAN_OUT = text(
    """
WITH wanted AS (
    SELECT s.id FROM webhook_subscriptions s
    WHERE s.enabled AND :event_type = ANY(s.event_types)
      AND (s.organisation_id IS NULL OR s.organisation_id = CAST(:organisation_id AS uuid)
           OR s.organisation_id = (SELECT organisation_id FROM recipients WHERE person_id = :person_id))
),
message AS (
    INSERT INTO messages (id, source_event_id, rule, category, title_nl, body_nl, title_en, body_en, occurred_at,
                          about_person_id, organisation_id, event_type, payload)
    SELECT CAST(:message_id AS uuid), :source_event_id, 'webhook', 'webhook', :event_type, '', :event_type, '',
           :occurred_at, :person_id, CAST(:organisation_id AS uuid), :event_type, CAST(:payload AS jsonb)
    WHERE EXISTS (SELECT 1 FROM wanted)
    ON CONFLICT (id) DO NOTHING
    RETURNING id
)
INSERT INTO deliveries (id, message_id, channel, recipient, status, cadence)
SELECT gen_random_uuid(), message.id, 'webhook', CAST(wanted.id AS varchar), 'pending', 'immediate'
FROM message CROSS JOIN wanted
ON CONFLICT ON CONSTRAINT uq_deliveries_message_recipient_channel DO NOTHING
"""
)


_SUBSCRIBED = text("SELECT DISTINCT unnest(event_types) FROM webhook_subscriptions WHERE enabled")


async def subscribed_types(session: AsyncSession) -> frozenset[str]:
    """The event types some enabled webhook subscription wants."""
    return frozenset((await session.execute(_SUBSCRIBED)).scalars())


def webhook_payload(event: Envelope[Any]) -> dict[str, Any]:
    """What a webhook endpoint receives: Standard Webhooks' {type, timestamp, data}, plus the event's id."""
    return {
        "type": event.type,
        "timestamp": event.time.isoformat(),
        "event_id": event.id,
        "data": event.data.model_dump(mode="json"),
    }


async def for_webhooks(session: AsyncSession, event: Envelope[Any]) -> None:
    data: EventData = event.data
    fields: Mapping[str, Any] = data.__dict__
    await session.execute(
        _WEBHOOK_FAN_OUT,
        {
            "event_type": event.type,
            "organisation_id": fields.get("organisation_id"),
            "person_id": fields.get("person_id"),
            "message_id": message_id(event.id, "webhook"),
            "source_event_id": event.id,
            "occurred_at": event.time,
            "payload": json.dumps(webhook_payload(event)),
        },
    )
