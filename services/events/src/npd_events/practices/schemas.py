"""HTTP models of the practices API (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from npd_runtime.validation import Text, described
from pydantic import BaseModel, ConfigDict, Field

from npd_events.papers.schemas import Prose
from npd_events.practices.domain import Content, PracticeLabel, Theme
from npd_events.practices.service import PracticeView, Search

Label = Annotated[
    PracticeLabel,
    described(
        "Who may read a practice: public (anyone, no login), network (people of member organisations), group (the "
        "members of one named group), chatham_house (the network reads it, but its author, their organisation and "
        "the contact are shown only to the author and network admins)."
    ),
]
PracticeTheme = Annotated[Theme, described("What a practice is about.")]
KpiId = Annotated[
    str, Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$", examples=["sickness_absence_pct"])
]


class PracticeBody(BaseModel):
    # Not stripped here: the domain tidies whitespace, and a schema-valid body is never refused for it.
    model_config = ConfigDict(extra="forbid")

    title: Text = Field(min_length=2, max_length=200, examples=["Zaakgericht werken zonder nieuw systeem"])
    tried: Prose = Field(min_length=1, max_length=20000, description="What was tried; line breaks allowed.")
    worked: Prose = Field(default="", max_length=20000, description="What worked.")
    failed: Prose = Field(default="", max_length=20000, description="What failed.")
    lessons: Prose = Field(default="", max_length=20000, description="The lessons for others.")
    contact: Text = Field(
        default="", max_length=300, description="Whom to ask (hidden with the author under Chatham House)."
    )
    themes: list[PracticeTheme] = Field(min_length=1, max_length=12)
    label: Label
    group_id: UUID | None = Field(default=None, description="For the group label: the group it is shared with.")
    meeting_ids: list[UUID] = Field(default_factory=list, max_length=20, description="Meetings it was presented at.")
    report_ids: list[UUID] = Field(default_factory=list, max_length=20, description="Meeting reports it relates to.")
    kpi_ids: list[KpiId] = Field(default_factory=list, max_length=20, description="Benchmark KPIs it moves.")

    def content(self) -> Content:
        return Content(
            self.title,
            self.tried,
            self.worked,
            self.failed,
            self.lessons,
            self.contact,
            tuple(self.themes),
            self.label,
            self.group_id,
            tuple(self.meeting_ids),
            tuple(self.report_ids),
            tuple(self.kpi_ids),
        )


class PracticePublic(BaseModel):
    """A practice as the caller may see it: author_id, organisation and contact are null where the label hides
    them (author_hidden) and once the author was erased."""

    id: UUID
    title: str
    tried: str
    worked: str
    failed: str
    lessons: str
    contact: str | None
    themes: list[PracticeTheme]
    label: Label
    group_id: UUID | None
    group_name: str | None
    meeting_ids: list[UUID]
    report_ids: list[UUID]
    kpi_ids: list[str]
    author_id: str | None
    organisation_id: UUID | None
    organisation_name: str | None
    author_hidden: bool = Field(description="Chatham House: who shared it is not shown to you.")
    shared_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: PracticeView, *, anonymous: bool = False) -> "PracticePublic":
        p, shown = view.practice, view.shows_author
        return cls(
            id=p.id,
            title=p.title,
            tried=p.tried,
            worked=p.worked,
            failed=p.failed,
            lessons=p.lessons,
            contact=p.contact if shown else None,
            themes=list(p.themes),
            label=p.label,
            group_id=p.group_id,
            group_name=view.group_name,
            meeting_ids=list(p.meeting_ids),
            report_ids=list(p.report_ids),
            kpi_ids=list(p.kpi_ids),
            # Person ids are the network's internal names: never shown to the public.
            author_id=p.author_id if shown and not anonymous else None,
            organisation_id=p.organisation_id if shown else None,
            organisation_name=view.organisation_name if shown else None,
            author_hidden=not shown,
            shared_at=p.shared_at,
            updated_at=p.updated_at,
        )


SearchText = Annotated[
    Text | None,
    Query(
        min_length=1, max_length=200, description='Words to search for (web search syntax: "quoted phrase", -not, or).'
    ),
]
ThemeFilter = Annotated[PracticeTheme | None, Query(description="Only practices with this theme")]
LabelFilter = Annotated[Label | None, Query(description="Only practices with this label")]
GroupFilter = Annotated[UUID | None, Query(description="Only practices shared with this group")]
MeetingLink = Annotated[UUID | None, Query(description="Only practices linked to this meeting")]
ReportLink = Annotated[UUID | None, Query(description="Only practices linked to this report")]
KpiLink = Annotated[KpiId | None, Query(description="Only practices linked to this benchmark KPI")]


def search_of(
    q: str | None,
    theme: Theme | None,
    label: PracticeLabel | None = None,
    group_id: UUID | None = None,
    meeting_id: UUID | None = None,
    report_id: UUID | None = None,
    kpi_id: str | None = None,
) -> Search:
    return Search(q.strip() if q else None, theme, label, group_id, meeting_id, report_id, kpi_id)
