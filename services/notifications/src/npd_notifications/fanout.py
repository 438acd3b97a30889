"""Fan-out: a message is recorded once, then its inbox items and e-mail deliveries are written by INSERT ...
SELECT over the audience (never one row at a time), whatever its size: a welcome to one person and an
announcement to 200,000 take the same path. The messages of a whole run of events go together: one
statement records all of them and fans each new one out to its own audience (a LATERAL join per message),
one statement per shape of audience, after one statement that looks up every name the words need. The
message row (its id derived from the event and the rule) is the guard: a redelivery or a replay finds it
and adds nothing, so the fan-out itself needs no ON CONFLICT; the unique keys (message, recipient[,
channel]) stay as a backstop that fails loudly. Row ids are the message's prefix and a running number, so
each index on them grows at one end instead of at 200,000 random places.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

import orjson
from npd_contracts import Envelope
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications.domain import Audience, Channel, Message, default_cadence, message_id, render
from npd_notifications.models import MESSAGES
from npd_notifications.rules import Rule


class _Shape(NamedTuple):
    """Which parts an audience has: audiences of one shape are fanned out by one statement together."""

    people: bool
    roles: bool
    organisation: bool
    invited_to: bool
    groups: bool
    group_kinds: bool
    group_roles: bool
    everyone: bool
    meeting: bool
    registered_for: bool
    waitlist: bool
    paper_of: bool
    followers_of: bool
    excluded: bool

    @classmethod
    def of(cls, a: Audience) -> "_Shape":
        return cls(
            bool(a.people),
            bool(a.roles),
            a.organisation is not None,
            a.invited_to is not None,
            bool(a.groups),
            bool(a.group_kinds),
            bool(a.group_roles),
            a.everyone,
            a.meeting is not None,
            a.registered_for is not None,
            a.waitlist,
            a.paper_of is not None,
            a.followers_of is not None,
            bool(a.excluded),
        )


def _audience_sql(s: _Shape) -> str:
    """The audience of the message in row `f` of the batch, as one SELECT of distinct person ids."""
    parts: list[str] = []
    if s.people:
        parts.append("SELECT unnest(f.people) AS person_id")
    if s.roles:
        where = "held AND role = ANY(f.roles)"
        if s.organisation:
            where += " AND organisation_id = f.audience_organisation"
        if s.invited_to:
            invited = "SELECT organisation_id FROM benchmark_invitations WHERE cycle_id = f.invited_to"
            where += f" AND organisation_id IN ({invited})"
        parts.append(f"SELECT person_id FROM access_roles WHERE {where}")
    elif s.organisation:
        parts.append("SELECT person_id FROM recipients WHERE active AND organisation_id = f.audience_organisation")
    if s.groups or s.group_kinds:
        conditions = ["m.held"]
        if s.group_roles:
            conditions.append("m.role = ANY(f.group_roles)")
        which = []
        if s.groups:
            which.append("m.group_id = ANY(f.groups)")
        if s.group_kinds:
            which.append(
                "m.group_id IN (SELECT group_id FROM recipient_groups WHERE NOT archived AND kind = ANY(f.group_kinds))"
            )
        conditions.append(f"({' OR '.join(which)})")
        parts.append(f"SELECT m.person_id FROM access_group_members m WHERE {' AND '.join(conditions)}")
    if s.everyone:
        parts.append("SELECT person_id FROM recipients WHERE active")
    if s.meeting:  # a group's meeting: its members; the board's: the board's members
        parts.append(
            "SELECT m.person_id FROM access_group_members m JOIN recipient_meetings mt "
            "ON mt.meeting_id = f.meeting WHERE m.held AND ("
            "(mt.audience = 'group' AND m.group_id = mt.host_group_id) OR (mt.audience = 'board' AND m.group_id IN "
            "(SELECT group_id FROM recipient_groups WHERE NOT archived AND kind = 'board')))"
        )
    if s.registered_for:
        waiting = "" if s.waitlist else " AND NOT waitlisted"
        parts.append(f"SELECT person_id FROM meeting_registrations WHERE meeting_id = f.registered_for{waiting}")
    if s.paper_of:
        parts.append("SELECT submitter_id AS person_id FROM paper_submitters WHERE paper_id = f.paper_of")
    if s.followers_of:
        parts.append("SELECT person_id FROM pilot_followers WHERE pilot_id = f.followers_of")
    if not parts:
        parts.append("SELECT CAST(NULL AS varchar) AS person_id WHERE false")
    sql = " UNION ".join(parts)
    if s.excluded:
        sql = f"SELECT person_id FROM ({sql}) u WHERE person_id <> ALL(f.excluded)"
    return sql


# A batch of messages, one JSON row each: the message's columns, what its fan-out needs, and its audience.
_BATCH = """
    SELECT * FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS b(
        id uuid, source_event_id text, rule text, category text, title_nl text, body_nl text, title_en text,
        body_en text, occurred_at timestamptz, about_person_id text, organisation_id uuid,
        email_default text, inbox_ids text, mail_ids text,
        people varchar[], audience_organisation uuid, roles varchar[], invited_to uuid, groups uuid[],
        group_kinds varchar[], group_roles varchar[], meeting uuid, registered_for uuid, paper_of uuid,
        followers_of uuid, excluded varchar[])
"""

# The messages recorded (those recorded before are skipped, with their fan-out), then the inbox items and
# e-mail deliveries of each new one, all in one statement; each person's language picks the words of their
# inbox item, their preference for the message's category picks (or skips) the channel.
_FAN_OUT = """
WITH batch AS ({batch}),
recorded AS (
    INSERT INTO messages ({message_columns})
    SELECT {message_columns} FROM batch
    ON CONFLICT (id) DO NOTHING
    RETURNING id
),
audience AS (
    SELECT f.id AS message_id, a.person_id
    FROM batch f JOIN recorded ON recorded.id = f.id
    CROSS JOIN LATERAL ({audience}) a
    WHERE a.person_id IS NOT NULL
),
inbox AS (
    INSERT INTO notifications (id, recipient_person_id, kind, title, body, organisation_id, message_id, category)
    SELECT CAST(f.inbox_ids || lpad(to_hex(row_number() OVER ()), 12, '0') AS uuid), a.person_id, f.rule,
           CASE WHEN r.language ILIKE 'en%' THEN f.title_en ELSE f.title_nl END,
           CASE WHEN r.language ILIKE 'en%' THEN f.body_en ELSE f.body_nl END,
           f.organisation_id, f.id, f.category
    FROM audience a
    JOIN batch f ON f.id = a.message_id
    LEFT JOIN recipients r ON r.person_id = a.person_id
    LEFT JOIN preferences p ON p.person_id = a.person_id AND p.category = f.category AND p.channel = 'inbox'
    WHERE coalesce(p.cadence, 'immediate') <> 'off'
    RETURNING 1
),
mail AS (
    INSERT INTO deliveries (id, message_id, channel, recipient, status, cadence)
    SELECT CAST(f.mail_ids || lpad(to_hex(row_number() OVER ()), 12, '0') AS uuid), f.id, 'email', a.person_id,
           CASE WHEN c.cadence IN ('daily', 'weekly') THEN 'held' ELSE 'pending' END, c.cadence
    FROM audience a
    JOIN batch f ON f.id = a.message_id
    LEFT JOIN preferences p ON p.person_id = a.person_id AND p.category = f.category AND p.channel = 'email'
    CROSS JOIN LATERAL (SELECT coalesce(p.cadence, f.email_default) AS cadence) c
    WHERE c.cadence <> 'off'
    RETURNING 1
)
SELECT (SELECT count(*) FROM inbox), (SELECT count(*) FROM mail)
"""


@cache
def _fan_out_statement(shape: _Shape) -> TextClause:
    """Built once per shape, so SQLAlchemy compiles and caches each statement once."""
    columns = ", ".join(MESSAGES.fields)
    return text(_FAN_OUT.format(batch=_BATCH, message_columns=columns, audience=_audience_sql(shape)))


def _json(rows: list[dict[str, Any]]) -> str:
    """A batch as JSON, ids and moments included (RFC 3339, as `isoformat`). orjson, not the standard
    library: json.dumps with a `default` for them cost 9 us a row, a fifth of the consumer's time on a batch
    of welcomes; orjson 0.5 us (decision 128)."""
    return orjson.dumps(rows).decode()


def _row(message: Message, audience: Audience) -> dict[str, Any]:
    """One message of a batch: its columns, the ids its rows grow from, its default and the parts its
    audience has (a part left out is NULL); encoded by `_json`."""
    row = MESSAGES.values(message)
    row["email_default"] = default_cadence(message.category, Channel.EMAIL).value
    # Row ids are 20 hex digits of the message's id (itself derived from the event) and a running number,
    # so each index on them grows at one end; inbox items and mails take different digits. Not uuid5 of the
    # id: its hashing and objects were a sixth of the consumer's time on a batch of welcomes (decision 128).
    digits = message.id.hex
    row["inbox_ids"], row["mail_ids"] = digits[:20], digits[12:]
    for name, value in vars(audience).items():  # not dataclasses.asdict: its deep copy cost 70 µs a row
        if value:
            row["audience_organisation" if name == "organisation" else name] = value
    return row


async def fan_out_all(session: AsyncSession, notices: Sequence[tuple[Message, Audience]]) -> tuple[int, int]:
    """Record the messages and write their inbox items and e-mail deliveries, one statement per shape of
    audience: (inbox items, mails) written now; a message recorded before adds nothing."""
    by_shape: dict[_Shape, list[dict[str, Any]]] = {}
    for message, audience in notices:
        by_shape.setdefault(_Shape.of(audience), []).append(_row(message, audience))
    inbox = mails = 0
    for shape, rows in by_shape.items():
        counts = (await session.execute(_fan_out_statement(shape), {"batch": _json(rows)})).one()
        inbox, mails = inbox + int(counts[0]), mails + int(counts[1])
    return inbox, mails


async def fan_out(session: AsyncSession, message: Message, audience: Audience) -> tuple[int, int]:
    """One message (an announcement): (inbox items, mails) written now; (0, 0) when recorded before."""
    return await fan_out_all(session, [(message, audience)])


# The names (titles) of what the rules point at, for a whole batch of events in one statement. Each list of
# ids is joined (not `= ANY(...)`): a prepared statement's generic plan, made while a table was still small,
# would otherwise scan the table comparing each row with every id, O(rows x ids) (decision 128).
_NAMES = text(
    "SELECT 'person', r.person_id, r.name FROM unnest(CAST(:person AS varchar[])) k(id) "
    "JOIN recipients r ON r.person_id = k.id "
    "UNION ALL SELECT 'organisation', CAST(o.organisation_id AS varchar), o.name "
    "FROM unnest(CAST(:organisation AS uuid[])) k(id) JOIN recipient_organisations o ON o.organisation_id = k.id "
    "UNION ALL SELECT 'group', CAST(g.group_id AS varchar), g.name "
    "FROM unnest(CAST(:group AS uuid[])) k(id) JOIN recipient_groups g ON g.group_id = k.id "
    "UNION ALL SELECT 'meeting', CAST(m.meeting_id AS varchar), m.title "
    "FROM unnest(CAST(:meeting AS uuid[])) k(id) JOIN recipient_meetings m ON m.meeting_id = k.id "
    "UNION ALL SELECT 'paper', CAST(p.paper_id AS varchar), p.title "
    "FROM unnest(CAST(:paper AS uuid[])) k(id) JOIN paper_submitters p ON p.paper_id = k.id"
)
_NAMED = ("person", "organisation", "group", "meeting", "paper")


def _pointed_at(rule: Rule[Any], data: Any) -> dict[str, Any]:
    return {
        "person": rule.person(data),
        "organisation": rule.organisation(data),
        "group": rule.group(data),
        "meeting": rule.meeting(data),
        "paper": rule.paper(data),
    }


async def _names(session: AsyncSession, wanted: Sequence[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(kind, id) -> name, for every id the rules point at."""
    ids: dict[str, set[Any]] = {kind: set() for kind in _NAMED}
    for pointed in wanted:
        for kind, value in pointed.items():
            if value is not None:
                ids[kind].add(value)
    if not any(ids.values()):
        return {}
    found = await session.execute(_NAMES, {kind: list(values) for kind, values in ids.items()})
    return {(kind, key): name for kind, key, name in found.all() if name}


async def notify(session: AsyncSession, due: Sequence[tuple[Rule[Any], Envelope[Any]]]) -> tuple[int, int]:
    """Rules applied to events: each one's message in both languages, fanned out to its audience; the names
    for all of them looked up at once, and one fan-out statement per shape of audience."""
    pointed = [_pointed_at(rule, event.data) for rule, event in due]
    names = await _names(session, pointed)
    notices: list[tuple[Message, Audience]] = []
    for (rule, event), ids in zip(due, pointed, strict=True):
        data = event.data
        params = {}
        for kind, value in ids.items():
            if value is not None and (name := names.get((kind, str(value)))) is not None:
                params[kind] = name
        title_nl, body_nl, title_en, body_en = render(rule.template, {**params, **rule.params(data)})
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
            about_person_id=ids["person"],
            organisation_id=ids["organisation"],
        )
        notices.append((message, rule.audience(data)))
    return await fan_out_all(session, notices)


# -- webhooks ------------------------------------------------------------------------------------------------

# Each event, as webhook endpoints receive it, recorded only when an enabled subscription wants its type;
# then one delivery per such subscription: the network's, and the organisation's the event is about. One
# statement for a whole batch of events.
_WEBHOOK_FAN_OUT = text(
    """
WITH batch AS (
    SELECT * FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS b(
        id uuid, source_event_id text, event_type text, occurred_at timestamptz, person_id text,
        organisation_id uuid, payload jsonb)
),
wanted AS (
    SELECT b.id AS message_id, s.id AS subscription_id
    FROM batch b JOIN webhook_subscriptions s ON s.enabled AND b.event_type = ANY(s.event_types)
      AND (s.organisation_id IS NULL OR s.organisation_id = b.organisation_id
           OR s.organisation_id = (SELECT organisation_id FROM recipients WHERE person_id = b.person_id))
),
message AS (
    INSERT INTO messages (id, source_event_id, rule, category, title_nl, body_nl, title_en, body_en, occurred_at,
                          about_person_id, organisation_id, event_type, payload)
    SELECT b.id, b.source_event_id, 'webhook', 'webhook', b.event_type, '', b.event_type, '',
           b.occurred_at, b.person_id, b.organisation_id, b.event_type, b.payload
    FROM batch b WHERE EXISTS (SELECT 1 FROM wanted w WHERE w.message_id = b.id)
    ON CONFLICT (id) DO NOTHING
    RETURNING id
)
INSERT INTO deliveries (id, message_id, channel, recipient, status, cadence)
SELECT gen_random_uuid(), message.id, 'webhook', CAST(wanted.subscription_id AS varchar), 'pending', 'immediate'
FROM message JOIN wanted ON wanted.message_id = message.id
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


async def for_webhooks(session: AsyncSession, events: Sequence[Envelope[Any]]) -> None:
    """The events' webhook deliveries, for the subscriptions that want them."""
    rows = []
    for event in events:
        fields = event.data.__dict__
        rows.append(
            {
                "id": str(message_id(event.id, "webhook")),
                "source_event_id": event.id,
                "event_type": event.type,
                "occurred_at": event.time.isoformat(),
                "person_id": fields.get("person_id"),
                "organisation_id": fields.get("organisation_id"),
                "payload": webhook_payload(event),
            }
        )
    await session.execute(_WEBHOOK_FAN_OUT, {"batch": _json(rows)})
