"""Preference use cases: per person, per category and channel, a cadence; and the person's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications.domain import (
    CRITICAL,
    DEFAULT_TIME_ZONE,
    DIGESTS,
    Cadence,
    Category,
    Channel,
    check_preference,
    default_cadence,
)
from npd_notifications.models import preference_settings, preferences
from npd_notifications.signing import read_unsubscribe_token

Choices = dict[Category, dict[Channel, Cadence]]


class UnknownTimeZone(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} is not an IANA time zone (e.g. Europe/Amsterdam)")


async def preferences_of(session: AsyncSession, person_id: str) -> tuple[str, Choices]:
    chosen: Choices = {c: {ch: default_cadence(c, ch) for ch in Channel} for c in Category}
    rows = await session.execute(
        select(preferences.c.category, preferences.c.channel, preferences.c.cadence).where(
            preferences.c.person_id == person_id
        )
    )
    for category, channel, cadence in rows:
        if category in Category._value2member_map_ and channel in Channel._value2member_map_:
            chosen[Category(category)][Channel(channel)] = Cadence(cadence)
    zone = (
        await session.execute(
            select(preference_settings.c.time_zone).where(preference_settings.c.person_id == person_id)
        )
    ).scalar_one_or_none()
    return zone or DEFAULT_TIME_ZONE, chosen


async def choose(session: AsyncSession, person_id: str, category: Category, channel: Channel, cadence: Cadence) -> None:
    check_preference(category, channel, cadence)
    stmt = insert(preferences).values(person_id=person_id, category=category, channel=channel, cadence=cadence)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["person_id", "category", "channel"], set_={"cadence": cadence})
    )


async def set_time_zone(session: AsyncSession, person_id: str, name: str) -> None:
    try:
        if name not in available_timezones():
            raise UnknownTimeZone(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZone(name) from exc
    stmt = insert(preference_settings).values(person_id=person_id, time_zone=name)
    await session.execute(stmt.on_conflict_do_update(index_elements=["person_id"], set_={"time_zone": name}))


_DIGESTS_OFF = text(
    "UPDATE preferences SET cadence = 'off' WHERE person_id = :person_id AND channel = 'email' "
    "AND category = ANY(CAST(:categories AS varchar[])) AND cadence = ANY(CAST(:digests AS varchar[]))"
)
# A category whose e-mail is a digest by default goes off too when the person never chose for it.
_DEFAULT_DIGESTS_OFF = text(
    "INSERT INTO preferences (person_id, category, channel, cadence) "
    "SELECT :person_id, c, 'email', 'off' FROM unnest(CAST(:categories AS varchar[])) c ON CONFLICT DO NOTHING"
)


async def unsubscribe(session: AsyncSession, key: bytes, token: str, now: datetime) -> tuple[str, str]:
    """One-click unsubscribe (no login): e-mail for the token's category goes off; a digest's link switches
    off the digests. Critical categories stay on. (person id, category) of the token."""
    person_id, category = read_unsubscribe_token(key, token, now)
    if category == "digest":
        optional = [c.value for c in Category if c not in CRITICAL]
        await session.execute(
            _DIGESTS_OFF, {"person_id": person_id, "categories": optional, "digests": [d.value for d in DIGESTS]}
        )
        by_default = [c.value for c in Category if default_cadence(c, Channel.EMAIL) in DIGESTS]
        await session.execute(_DEFAULT_DIGESTS_OFF, {"person_id": person_id, "categories": by_default})
    elif category in Category._value2member_map_:
        await choose(session, person_id, Category(category), Channel.EMAIL, Cadence.OFF)
    return person_id, category
