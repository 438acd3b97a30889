"""HTTP models of the reports API and of the public listings (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from npd_runtime.validation import Text, described
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from npd_events.meetings.schemas import Format, Status
from npd_events.papers.schemas import Instant, Prose
from npd_events.reports.domain import Attachment, Draft, ReportVisibility
from npd_events.reports.service import PublicMeeting, ReportView

Visibility = Annotated[
    ReportVisibility,
    described("Who may read a report: the network (people of member organisations), or the public (no login)."),
]
SinceFilter = Annotated[Instant | None, Query(description="Only meetings that end after this moment (default: now)")]


# domain.check_link's rule, declared so that a client (and a fuzzer) can tell a link it will take: https, a host
# name of dotted ASCII labels (punycode for others), no user name or password, a port 1-65535, then a path,
# query or fragment without spaces or control characters. Somewhat stricter than check_link (no IPv6 literal,
# no trailing dot), so every link this allows check_link takes; not stripped, so what it refuses is refused.
LINK_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
    r"(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?"
    r"([/?#][^\u0000-\u0020\u007F-\u009F]*)?$"
)
Link = Annotated[str, StringConstraints(strip_whitespace=False, pattern=LINK_PATTERN)]


class AttachmentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Text = Field(min_length=1, max_length=200, examples=["Presentatie (PDF)"])
    url: Link = Field(
        min_length=12,
        max_length=2000,
        examples=["https://npd.example/verslagen/slides.pdf"],
        description="An https link to a named host, without a user name or password in it.",
    )


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Text = Field(min_length=2, max_length=200, examples=["Verslag netwerkbijeenkomst maart"])
    summary: Prose = Field(min_length=1, max_length=20000, description="What happened; line breaks allowed.")
    lessons_learned: Prose = Field(default="", max_length=20000, description="What the network learned.")
    attachments: list[AttachmentBody] = Field(default_factory=list, max_length=20)
    visibility: Visibility = ReportVisibility.NETWORK

    def draft(self) -> Draft:
        attachments = tuple(Attachment(a.title, a.url) for a in self.attachments)
        return Draft(self.title, self.summary, self.lessons_learned, attachments, self.visibility)


class AttachmentPublic(BaseModel):
    title: str
    url: str


class ReportPublic(BaseModel):
    """A report with the meeting it is about; nobody's name (who published it is not public)."""

    id: UUID
    meeting_id: UUID
    meeting_title: str
    meeting_starts_at: datetime
    title: str
    summary: str
    lessons_learned: str
    attachments: list[AttachmentPublic]
    visibility: Visibility
    published_at: datetime
    revised_at: datetime

    @classmethod
    def of(cls, view: ReportView) -> "ReportPublic":
        r, m = view.report, view.meeting
        return cls(
            id=r.id,
            meeting_id=m.id,
            meeting_title=m.title,
            meeting_starts_at=m.starts_at,
            title=r.title,
            summary=r.summary,
            lessons_learned=r.lessons_learned,
            attachments=[AttachmentPublic(title=a.title, url=a.url) for a in r.attachments],
            visibility=r.visibility,
            published_at=r.published_at,
            revised_at=r.revised_at,
        )


class PublicVenue(BaseModel):
    name: str
    address: str
    postal_code: str
    city: str


class PublicMeetingPublic(BaseModel):
    """A meeting open to the public, as anyone may see it: what, when, where; nobody's name."""

    id: UUID
    title: str
    description: str
    format: Format
    status: Status
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    venue: PublicVenue | None
    online: bool
    report_id: UUID | None = Field(description="Its public report, once published.")

    @classmethod
    def of(cls, item: PublicMeeting) -> "PublicMeetingPublic":
        m, v = item.meeting, item.venue
        venue = PublicVenue(name=v.name, address=v.address, postal_code=v.postal_code, city=v.city) if v else None
        return cls(
            id=m.id,
            title=m.title,
            description=m.description,
            format=m.format,
            status=m.status,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            time_zone=m.time_zone,
            venue=venue,
            online=m.online,
            report_id=item.report_id,
        )
