"""Meeting reports, free of I/O and of the event contracts.

After a meeting has started, its organisers publish its report: a summary, lessons learned and attachments
as links (https only: a report published to anyone must not send readers over plain http or to a local
file). A report is for the network or for the public (the network's open-government duty); publishing again
replaces it and says so again, and a public report can be taken back to the network.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID


class ReportVisibility(StrEnum):
    NETWORK = "network"
    PUBLIC = "public"


@dataclass(frozen=True)
class Attachment:
    title: str
    url: str


@dataclass(frozen=True)
class Held:
    """What a report needs to know of its meeting."""

    id: UUID
    cancelled: bool
    starts_at: datetime


@dataclass(frozen=True)
class Draft:
    title: str
    summary: str
    lessons_learned: str
    attachments: tuple[Attachment, ...]
    visibility: ReportVisibility


@dataclass(frozen=True)
class Report:
    id: UUID
    meeting_id: UUID
    title: str
    summary: str
    lessons_learned: str
    attachments: tuple[Attachment, ...]
    visibility: ReportVisibility
    published_by: str | None  # None once erased
    published_at: datetime  # first published
    revised_at: datetime  # last published


class ReportRefused(Exception):
    """The meeting's state does not allow a report."""


class MeetingNotHeld(ReportRefused):
    def __init__(self, meeting: Held) -> None:
        super().__init__(f"meeting {meeting.id} starts at {meeting.starts_at.isoformat()}: report on it afterwards")


class MeetingWasCancelled(ReportRefused):
    def __init__(self, meeting: Held) -> None:
        super().__init__(f"meeting {meeting.id} was cancelled and has no report")


class InsecureLink(ValueError):
    def __init__(self, url: str, why: str) -> None:
        super().__init__(f"attachment link {url!r} {why}")


def check_link(url: str) -> str:
    """An https link to a named host, without credentials in it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InsecureLink(url, f"is not a valid URL ({error})") from None
    if parts.scheme.lower() != "https":
        raise InsecureLink(url, "must use https")
    if not parts.hostname or "." not in parts.hostname.strip("."):
        raise InsecureLink(url, "must name a public host")
    if parts.username or parts.password:
        raise InsecureLink(url, "must not carry a user name or password")
    if port == 0:
        raise InsecureLink(url, "names port 0")
    return url


def publish(id: UUID, meeting: Held, existing: Report | None, draft: Draft, by: str, now: datetime) -> Report | None:
    """The report as published now; None when it is the same as the one already published."""
    if meeting.cancelled:
        raise MeetingWasCancelled(meeting)
    if now < meeting.starts_at:
        raise MeetingNotHeld(meeting)
    attachments = tuple(Attachment(" ".join(a.title.split()), check_link(a.url.strip())) for a in draft.attachments)
    title = " ".join(draft.title.split())
    summary, lessons = draft.summary.strip(), draft.lessons_learned.strip()
    if existing is not None:
        same = (existing.title, existing.summary, existing.lessons_learned, existing.attachments, existing.visibility)
        if same == (title, summary, lessons, attachments, draft.visibility):
            return None
    return Report(
        id=existing.id if existing else id,
        meeting_id=meeting.id,
        title=title,
        summary=summary,
        lessons_learned=lessons,
        attachments=attachments,
        visibility=draft.visibility,
        published_by=by,
        published_at=existing.published_at if existing else now,
        revised_at=now,
    )
