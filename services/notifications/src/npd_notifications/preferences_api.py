"""Preferences (/v1/preferences): each person chooses, per category and channel, immediate, a daily or weekly
digest, or off; and their time zone. One-click unsubscribe (/unsubscribe/{token}) needs no login: the link
in the mail is signed and expires (RFC 8058: mail clients POST to it)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from npd_runtime import PrincipalDep, Problems, ProblemType, SessionDep, require_network

from npd_notifications import preferences
from npd_notifications.api import ERRORS
from npd_notifications.domain import CRITICAL, Cadence, Category, Channel, CriticalCategory, NoInboxDigest
from npd_notifications.schemas import (
    CategoryName,
    CategoryPreference,
    InboxCadence,
    PreferenceChange,
    PreferencesPublic,
    TimeZoneChange,
    Unsubscribed,
)
from npd_notifications.signing import BadToken

router = APIRouter(prefix="/v1/preferences", tags=["preferences"])
public = APIRouter(tags=["preferences"])

PROBLEMS: Problems = {
    CriticalCategory: ProblemType(409, "critical-category", "This category cannot be switched off"),
    NoInboxDigest: ProblemType(422, "no-inbox-digest", "The inbox has no digests"),
    preferences.UnknownTimeZone: ProblemType(422, "unknown-time-zone", "Unknown time zone"),
    BadToken: ProblemType(403, "bad-unsubscribe-link", "The unsubscribe link is not valid"),
}


async def _public(session: SessionDep, person_id: str) -> PreferencesPublic:
    zone, chosen = await preferences.preferences_of(session, person_id)
    return PreferencesPublic(
        time_zone=zone,
        categories=[
            CategoryPreference(
                category=c,
                critical=c in CRITICAL,
                email=chosen[c][Channel.EMAIL],
                inbox=InboxCadence(chosen[c][Channel.INBOX].value),
            )
            for c in Category
        ],
    )


@router.get("", responses=ERRORS)
async def read_preferences(principal: PrincipalDep, session: SessionDep) -> PreferencesPublic:
    """The caller's choices (immediate by default) and time zone."""
    require_network(principal)
    async with session.begin():
        return await _public(session, principal.person_id)


@router.put("/time-zone", responses=ERRORS)
async def change_time_zone(body: TimeZoneChange, principal: PrincipalDep, session: SessionDep) -> PreferencesPublic:
    """The time zone in which the caller's digests are sent."""
    require_network(principal)
    async with session.begin():
        await preferences.set_time_zone(session, principal.person_id, body.time_zone.value)
        return await _public(session, principal.person_id)


@router.put("/{category}", responses={409: {"description": "A critical category cannot be off"}, **ERRORS})
async def change_preference(
    category: Annotated[CategoryName, Path()], body: PreferenceChange, principal: PrincipalDep, session: SessionDep
) -> PreferencesPublic:
    """How the caller hears of one category, per channel (a channel left out keeps its choice)."""
    require_network(principal)
    async with session.begin():
        inbox = Cadence(body.inbox.value) if body.inbox is not None else None
        for channel, cadence in ((Channel.EMAIL, body.email), (Channel.INBOX, inbox)):
            if cadence is not None:
                await preferences.choose(session, principal.person_id, category, channel, cadence)
        return await _public(session, principal.person_id)


TokenPath = Annotated[str, Path(min_length=10, max_length=600, pattern=r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")]


@public.post(
    "/unsubscribe/{token}",
    responses={
        400: {"description": "The body could not be read (not UTF-8)"},
        403: {"description": "Forged, damaged or expired link"},
        422: {"description": "Not the shape of an unsubscribe link"},
    },
)
async def unsubscribe(token: TokenPath, request: Request, session: SessionDep) -> Unsubscribed:
    """One-click unsubscribe from a mail's category (List-Unsubscribe-Post); no login: the link is the proof."""
    async with session.begin():
        _, category = await preferences.unsubscribe(
            session, request.app.state.unsubscribe_key, token, datetime.now(UTC)
        )
    return Unsubscribed(category=category, email="off")
