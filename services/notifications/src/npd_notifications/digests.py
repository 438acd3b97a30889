"""Digests: mail held for people who chose a daily or weekly digest is collected, per person and period, into
one mail once their period has ended in their own time zone (default Europe/Amsterdam).

`collect(session, now)` takes the moment as an argument, so tests run it at any hour of any day; the
process runs it every NOTIFICATIONS_DIGEST_INTERVAL_S seconds, and again at once while a run was full. A run
takes at most `limit` held mails and never splits a person's period between runs: when the cut falls inside
a person's mail, that person waits for the next run (unless they alone fill it, when their digest comes in
parts). A digest's id derives from the person, the cadence, the period and its first mail, so running it
twice (or on two replicas) makes one digest, and a second part is a second digest, never a lost one.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from npd_notifications.domain import DEFAULT_TIME_ZONE, Cadence, Digest, DigestItem, digest_id, render_digest

log = logging.getLogger(__name__)

# Held mail whose period (the person's local day, or local week from Monday) ended before `now`.
_DUE = text(
    f"""
SELECT d.id, d.recipient, d.cadence, m.title_nl, m.body_nl, m.title_en, m.body_en, m.occurred_at, r.language,
       date_trunc(CASE d.cadence WHEN 'daily' THEN 'day' ELSE 'week' END,
                  CAST(:now AS timestamptz) AT TIME ZONE z.tz) AT TIME ZONE z.tz AS period_end
FROM deliveries d
JOIN messages m ON m.id = d.message_id
LEFT JOIN recipients r ON r.person_id = d.recipient
LEFT JOIN preference_settings ps ON ps.person_id = d.recipient
CROSS JOIN LATERAL (SELECT coalesce(ps.time_zone, '{DEFAULT_TIME_ZONE}') AS tz) z
WHERE d.status = 'held' AND d.channel = 'email'
  AND d.created_at < date_trunc(CASE d.cadence WHEN 'daily' THEN 'day' ELSE 'week' END,
                                CAST(:now AS timestamptz) AT TIME ZONE z.tz) AT TIME ZONE z.tz
ORDER BY d.recipient, d.cadence, m.occurred_at
LIMIT :limit
FOR UPDATE OF d SKIP LOCKED
"""
)
_MESSAGE = text(
    "INSERT INTO messages (id, source_event_id, rule, category, title_nl, body_nl, title_en, body_en, occurred_at) "
    "VALUES (:id, :source, 'digest', 'digest', :title_nl, :body_nl, :title_en, :body_en, :at) "
    "ON CONFLICT (id) DO NOTHING"
)
_DELIVERY = text(
    "INSERT INTO deliveries (id, message_id, channel, recipient, status, cadence) "
    "VALUES (:id, :id, 'email', :recipient, 'pending', :cadence) "
    "ON CONFLICT ON CONSTRAINT uq_deliveries_message_recipient_channel DO NOTHING"
)
_DIGESTED = text("UPDATE deliveries SET status = 'digested', digest_id = :digest_id WHERE id = :id")


@dataclass(frozen=True)
class Collected:
    digests: int
    full: bool  # the run took as many held mails as it may: more may be due


async def collect(session: AsyncSession, now: datetime, limit: int = 20_000) -> Collected:
    """Turn due held mail into digests (one per person and period)."""
    rows = list((await session.execute(_DUE, {"now": now, "limit": limit})).mappings())
    groups = [list(items) for _, items in groupby(rows, key=lambda r: (r["recipient"], r["cadence"]))]
    full = len(rows) >= limit
    if full and len(groups) > 1:
        groups.pop()  # the cut may fall inside this person's mail: all of it comes in the next run
    for held in groups:
        await _digest(session, held[0]["recipient"], Cadence(held[0]["cadence"]), held)
    return Collected(len(groups), full)


async def _digest(session: AsyncSession, person: str, cadence: Cadence, held: list[Any]) -> None:
    period_end: datetime = held[0]["period_end"]
    nl = Digest(cadence, period_end, tuple(DigestItem(r["title_nl"], r["body_nl"], r["occurred_at"]) for r in held))
    en = Digest(cadence, period_end, tuple(DigestItem(r["title_en"], r["body_en"], r["occurred_at"]) for r in held))
    title_nl, body_nl = render_digest(nl, english=False)
    title_en, body_en = render_digest(en, english=True)
    the_id = digest_id(person, cadence, period_end, first=held[0]["id"])
    await session.execute(
        _MESSAGE,
        {
            "id": the_id,
            "source": f"digest:{the_id}",
            "title_nl": title_nl,
            "body_nl": body_nl,
            "title_en": title_en,
            "body_en": body_en,
            "at": period_end,
        },
    )
    await session.execute(_DELIVERY, {"id": the_id, "recipient": person, "cadence": cadence.value})
    await session.execute(_DIGESTED, [{"id": r["id"], "digest_id": the_id} for r in held])


async def run(sessions: async_sessionmaker[AsyncSession], every_s: float, clock: Callable[[], datetime]) -> None:
    while True:
        full = False
        try:
            async with sessions() as session, session.begin():
                done = await collect(session, clock())
            full = done.full
            if done.digests:
                log.info("%d digests made", done.digests)
        except Exception:
            log.exception("collecting digests failed; trying again at the next interval")
        if not full:
            await asyncio.sleep(every_s)


def utc_now() -> datetime:
    return datetime.now(UTC)
