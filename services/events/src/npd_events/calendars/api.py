"""Calendar feeds API: /v1/calendar/feeds. A signed-in person makes (or remakes) their feed address and
revokes it; calendar clients, which cannot send bearer tokens, read the feeds at that address without
login: the person's own, and any group's. Feeds answer ETag and 304 Not Modified, so clients polling every
hour cost little. Errors raised below become problem documents by PROBLEMS.
"""

import hashlib
from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Path, Request, Response, status
from npd_runtime import PrincipalDep, Problems, ProblemType, SessionDep, require_network
from pydantic import BaseModel, Field

from npd_events.calendars import domain, service
from npd_events.calendars.ical import Calendar, render

router = APIRouter(prefix="/v1/calendar/feeds", tags=["calendars"])

PROBLEMS: Problems = {
    domain.FeedUnknown: ProblemType(404, "unknown-feed", "Not found"),
    domain.FeedRevoked: ProblemType(410, "feed-revoked", "Gone"),
    service.NoFeed: ProblemType(404, "no-feed", "Not found"),
    service.GroupNotFound: ProblemType(404, "unknown-group", "Not found"),
}

MEDIA_TYPE = "text/calendar; charset=utf-8"
REFRESH = timedelta(hours=1)
Token = Annotated[
    str,
    Path(
        pattern="^[A-Za-z0-9_-]{20,100}$",
        description="The feed address's secret, as POST /v1/calendar/feeds returned it.",
    ),
]
IfNoneMatch = Annotated[str | None, Header(description="An ETag from an earlier answer: 304 if unchanged.")]
FEED: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}, "description": "An iCalendar feed"},
    304: {"description": "Unchanged since the ETag given in If-None-Match"},
    404: {"description": "No feed has this address, or no such group"},
    410: {"description": "This feed address was revoked (or its person left the network): ask for a new one"},
    422: {"description": "The address is not a feed address"},
}


class FeedCreated(BaseModel):
    url: str = Field(description="The personal feed's address: shown this once, only its hash is kept.")
    group_url: str = Field(description="A group's feed: replace {group_id}. Revoked with the personal one.")
    token: str = Field(description="The secret in both addresses.")


def _answer(request: Request, name: str, feed: service.Feed, if_none_match: str | None) -> Response:
    body = render(Calendar(name, feed.events, refresh=REFRESH)).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=300"}
    if feed.events:
        latest = max(e.changed_at for e in feed.events)
        headers["Last-Modified"] = latest.strftime("%a, %d %b %Y %H:%M:%S GMT")
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


@router.post("", status_code=status.HTTP_201_CREATED, responses={401: {}, 403: {}})
async def create_feed(request: Request, principal: PrincipalDep, session: SessionDep) -> FeedCreated:
    """Make your calendar feed address (people of the network); making it again revokes the old one."""
    require_network(principal)
    async with session.begin():
        token, _ = await service.create_token(session, principal.person_id)
    url = str(request.url_for("personal_feed", token=token))
    group_url = str(request.url_for("group_feed", token=token, group_id="GROUP")).replace("GROUP", "{group_id}")
    return FeedCreated(url=url, group_url=group_url, token=token)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses={401: {}, 404: {"description": "No feed"}})
async def revoke_feed(principal: PrincipalDep, session: SessionDep) -> None:
    """Revoke your calendar feed address: clients reading it get 410 Gone from now on."""
    async with session.begin():
        await service.revoke(session, principal.person_id)


@router.get("/{token}.ics", name="personal_feed", response_class=Response, responses=FEED)
async def personal_feed(
    token: Token, request: Request, session: SessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    """Your meetings (where you hold a place, and your groups' meetings), for a calendar client. No login."""
    async with session.begin():
        person_id, groups = await service.owner_of(session, token)
        feed = await service.personal_feed(session, person_id, groups)
    return _answer(request, feed.name, feed, if_none_match)


@router.get("/{token}/groups/{group_id}.ics", name="group_feed", response_class=Response, responses=FEED)
async def group_feed(
    token: Token, group_id: UUID, request: Request, session: SessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    """A group's meetings, for a calendar client, through your feed address. No login."""
    async with session.begin():
        await service.owner_of(session, token)
        feed = await service.group_feed(session, group_id)
    return _answer(request, feed.name, feed, if_none_match)
