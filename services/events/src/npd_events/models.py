"""Tables owned by the events service, and the one mapping of each entity onto its table.

`organisations` and `groups` are read models of membership's events; venues, series, meetings,
registrations and guest chairs are this service's own.
"""

from typing import Any
from uuid import UUID

from npd_runtime import Entity, Enum, EnumTuple, access_tables, messaging_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.engine import Dialect

from npd_events.calendars.domain import FeedToken
from npd_events.meetings.domain import Audience, Meeting, MeetingFormat, MeetingStatus, Series, Venue
from npd_events.network.domain import Group, GroupKind, Organisation, OrganisationKind, OrganisationStatus
from npd_events.papers.domain import Call, CallStatus, Paper, PaperFormat, PaperStatus, Review, Session
from npd_events.registrations.domain import EndReason, Registration, RegistrationStatus
from npd_events.reports.domain import Attachment, Report, ReportVisibility
from npd_events.rotation.domain import ChairStatus, GuestChair

metadata = MetaData()
messaging_tables(metadata)
access_tables(metadata)  # who may do what, from membership's person events


def _at(name: str, nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


def _updated_at() -> Column[object]:
    return Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now())


organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", Enum(OrganisationKind, 40), nullable=False),
    Column("status", Enum(OrganisationStatus, 20), nullable=False),
    _at("joined_at"),
    _at("changed_at"),  # the event time of the last change taken: older events change nothing
    Index("ix_organisations_kind_status", "kind", "status"),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", Enum(GroupKind, 40), nullable=False),
    Column("archived", Boolean, nullable=False),
    _at("changed_at"),
)

venues = Table(
    "venues",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("address", String(200), nullable=False),
    Column("postal_code", String(10), nullable=False),
    Column("city", String(100), nullable=False),
    Column("capacity", Integer),
    Column("online_url", String(500)),
    _at("created_at"),
    _at("archived_at", nullable=True),
    _updated_at(),
    Index("ix_venues_organisation_name", "organisation_id", "name"),
)

series = Table(
    "series",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("rule", String(500), nullable=False),  # RFC 5545 RRULE value, without "RRULE:"
    Column("dtstart", DateTime(timezone=False), nullable=False),  # local wall-clock time in time_zone
    Column("time_zone", String(64), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("format", Enum(MeetingFormat, 40), nullable=False),
    Column("audience", Enum(Audience, 20), nullable=False),
    Column("host_group_id", Uuid),
    Column("venue_id", Uuid, ForeignKey("venues.id")),
    Column("online", Boolean, nullable=False),
    Column("online_url", String(500)),
    Column("capacity", Integer),
    Column("deadline_minutes", Integer),
    Column("offer_hours", Integer),
    Column("rotation_kinds", EnumTuple(OrganisationKind, 40), nullable=False, server_default="{}"),
    Column("chair_lead_days", Integer, nullable=False),
    Column("materialised_until", DateTime(timezone=False)),
    _at("ended_at", nullable=True),
    Column("created_by", String(255), nullable=False),
    _at("created_at"),
    _updated_at(),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("series_id", Uuid, ForeignKey("series.id")),
    Column("recurrence_id", DateTime(timezone=False)),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("format", Enum(MeetingFormat, 40), nullable=False),
    Column("audience", Enum(Audience, 20), nullable=False),
    Column("host_group_id", Uuid),
    Column("venue_id", Uuid, ForeignKey("venues.id")),
    Column("online", Boolean, nullable=False),
    Column("online_url", String(500)),
    _at("starts_at"),
    _at("ends_at"),
    Column("time_zone", String(64), nullable=False),
    Column("capacity", Integer),
    _at("registration_deadline", nullable=True),
    Column("offer_hours", Integer),
    Column("status", Enum(MeetingStatus, 20), nullable=False),
    Column("detached", Boolean, nullable=False, server_default="false"),
    Column("sequence", Integer, nullable=False, server_default="0"),
    Column("cancel_reason", Text),
    Column("created_by", String(255), nullable=False),
    _at("created_at"),
    _at("cancelled_at", nullable=True),
    # Places held (confirmed or offered) and the next queue position: changed only under the row's lock.
    Column("taken", Integer, nullable=False, server_default="0"),
    Column("next_position", BigInteger, nullable=False, server_default="1"),
    _updated_at(),
    Index("uq_meetings_occurrence", "series_id", "recurrence_id", unique=True),
    Index("ix_meetings_starts_at", "starts_at"),
    Index("ix_meetings_host_group_starts_at", "host_group_id", "starts_at"),
)

registrations = Table(
    "registrations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, ForeignKey("meetings.id"), nullable=False),
    Column("person_id", String(255), nullable=False),
    Column("status", Enum(RegistrationStatus, 20), nullable=False),
    Column("queue_position", BigInteger, nullable=False),
    _at("offer_expires_at", nullable=True),
    Column("attended", Boolean),
    _at("registered_at"),
    _at("confirmed_at", nullable=True),
    _at("ended_at", nullable=True),
    Column("end_reason", Enum(EndReason, 20)),
    _updated_at(),
    # One live registration per person and meeting; ended ones stay as history.
    Index(
        "uq_registrations_active",
        "meeting_id",
        "person_id",
        unique=True,
        postgresql_where=text("status IN ('confirmed', 'waitlisted', 'offered')"),
    ),
    Index("ix_registrations_person", "person_id", "meeting_id"),
    Index("ix_registrations_meeting_queue", "meeting_id", "status", "queue_position"),
    Index("ix_registrations_offer_expiry", "offer_expires_at", postgresql_where=text("status = 'offered'")),
)

guest_chairs = Table(
    "guest_chairs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("series_id", Uuid, ForeignKey("series.id"), nullable=False),
    Column("meeting_id", Uuid, ForeignKey("meetings.id"), nullable=False),
    Column("organisation_id", Uuid, nullable=False),
    Column("round", Integer, nullable=False),
    Column("status", Enum(ChairStatus, 20), nullable=False),
    _at("assigned_at"),
    _at("ended_at", nullable=True),
    # One organisation chairs an occurrence at a time.
    Index("uq_guest_chairs_assigned", "meeting_id", unique=True, postgresql_where=text("status = 'assigned'")),
    Index("ix_guest_chairs_series_round", "series_id", "round"),
    Index("ix_guest_chairs_organisation", "organisation_id"),
)

ORGANISATIONS = Entity(Organisation, organisations)
GROUPS = Entity(Group, groups)
VENUES = Entity(Venue, venues)
SERIES = Entity(Series, series)
MEETINGS = Entity(Meeting, meetings)
REGISTRATIONS = Entity(Registration, registrations)
GUEST_CHAIRS = Entity(GuestChair, guest_chairs)


# -- calendars, calls for papers and reports (issue 7, part B) ----------------------------------------------
# Kept apart from the meetings core above so the two halves of the service merge without touching each other.


class TextTuple(TypeDecorator[tuple[str, ...]]):
    """A text[] column that Python reads as a tuple (domain objects are frozen)."""

    impl = ARRAY
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(String(length))

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[str] | None:
        return None if value is None else list(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[str, ...] | None:
        return None if value is None else tuple(value)


class Attachments(TypeDecorator[tuple[Attachment, ...]]):
    """A report's links as a JSON array of {title, url}."""

    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[dict[str, str]] | None:
        return None if value is None else [{"title": a.title, "url": a.url} for a in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[Attachment, ...] | None:
        return None if value is None else tuple(Attachment(a["title"], a["url"]) for a in value)


feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the token: the token itself is never kept
    Column("person_id", String(255)),
    _at("created_at"),
    _at("revoked_at", nullable=True),
    Index("uq_feed_tokens_live", "person_id", unique=True, postgresql_where=text("revoked_at IS NULL")),
    Index("ix_feed_tokens_person", "person_id"),
)

calls = Table(
    "calls",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, ForeignKey("meetings.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("topics", TextTuple(100), nullable=False),
    Column("formats", EnumTuple(PaperFormat, 20), nullable=False),
    _at("closes_at"),
    Column("status", Enum(CallStatus, 10), nullable=False),
    Column("programme_group_id", Uuid),
    Column("opened_by", String(255)),
    _at("opened_at"),
    _at("closed_at", nullable=True),
    _at("programme_published_at", nullable=True),
    Index("uq_calls_meeting", "meeting_id", unique=True),
)

papers = Table(
    "papers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("call_id", Uuid, ForeignKey("calls.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("abstract", Text, nullable=False),
    Column("topic", String(100), nullable=False),
    Column("format", Enum(PaperFormat, 20), nullable=False),
    Column("submitter_id", String(255)),
    Column("speaker_ids", TextTuple(255), nullable=False),
    Column("status", Enum(PaperStatus, 20), nullable=False),
    _at("submitted_at"),
    _at("decided_at", nullable=True),
    Column("decided_by", String(255)),
    Index("ix_papers_call_submitted", "call_id", "submitted_at"),
    Index("ix_papers_submitter", "submitter_id"),
    Index("ix_papers_speakers", "speaker_ids", postgresql_using="gin"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("paper_id", Uuid, ForeignKey("papers.id"), nullable=False),
    Column("reviewer_id", String(255)),
    Column("score", Integer),
    Column("comment", Text, nullable=False),
    _at("assigned_at"),
    _at("reviewed_at", nullable=True),
    Index("uq_reviews_paper_reviewer", "paper_id", "reviewer_id", unique=True),
    Index("ix_reviews_reviewer", "reviewer_id"),
)

programme_sessions = Table(
    "programme_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("call_id", Uuid, ForeignKey("calls.id"), nullable=False),
    Column("paper_id", Uuid, ForeignKey("papers.id")),
    Column("title", String(200), nullable=False),
    Column("room", String(100), nullable=False),
    _at("starts_at"),
    _at("ends_at"),
    Column("speaker_ids", TextTuple(255), nullable=False),
    Index("ix_programme_sessions_call_starts", "call_id", "starts_at"),
    Index("uq_programme_sessions_paper", "paper_id", unique=True, postgresql_where=text("paper_id IS NOT NULL")),
    Index("ix_programme_sessions_speakers", "speaker_ids", postgresql_using="gin"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, ForeignKey("meetings.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("lessons_learned", Text, nullable=False),
    Column("attachments", Attachments, nullable=False),
    Column("visibility", Enum(ReportVisibility, 10), nullable=False),
    Column("published_by", String(255)),
    _at("published_at"),
    _at("revised_at"),
    Index("uq_reports_meeting", "meeting_id", unique=True),
    Index("ix_reports_visibility_revised", "visibility", "revised_at"),
)

FEED_TOKENS = Entity(FeedToken, feed_tokens)
CALLS = Entity(Call, calls)
PAPERS = Entity(Paper, papers)
REVIEWS = Entity(Review, reviews)
PROGRAMME_SESSIONS = Entity(Session, programme_sessions)
REPORTS = Entity(Report, reports)


# -- practices and pilots (issue 10) --------------------------------------------------------------------------

from npd_events.pilots.domain import (  # noqa: E402
    Adoption,
    AdoptionChange,
    AdoptionStatus,
    Pilot,
    PilotStatus,
    Stakeholder,
)
from npd_events.practices.domain import Practice, PracticeLabel, Theme  # noqa: E402


class UuidTuple(TypeDecorator[tuple[UUID, ...]]):
    """A uuid[] column that Python reads as a tuple."""

    impl = ARRAY
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(Uuid)

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[UUID] | None:
        return None if value is None else list(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[UUID, ...] | None:
        return None if value is None else tuple(value)


class Stakeholders(TypeDecorator[tuple[Stakeholder, ...]]):
    """A pilot's stakeholders as a JSON array of {name, role, organisation_id}."""

    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[dict[str, str | None]] | None:
        if value is None:
            return None
        return [
            {"name": s.name, "role": s.role, "organisation_id": str(s.organisation_id) if s.organisation_id else None}
            for s in value
        ]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[Stakeholder, ...] | None:
        if value is None:
            return None
        return tuple(
            Stakeholder(s["name"], s["role"], UUID(s["organisation_id"]) if s["organisation_id"] else None)
            for s in value
        )


# Dutch stems (the network writes Dutch) and the words as written (English terms, names, abbreviations).
PRACTICE_BODY = "tried || ' ' || worked || ' ' || failed || ' ' || lessons"
PRACTICE_SEARCH = (
    "setweight(to_tsvector('dutch'::regconfig, title), 'A') || setweight(to_tsvector('simple'::regconfig, title), 'A')"
    f" || setweight(to_tsvector('dutch'::regconfig, {PRACTICE_BODY}), 'B')"
    f" || setweight(to_tsvector('simple'::regconfig, {PRACTICE_BODY}), 'B')"
)

practices = Table(
    "practices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("tried", Text, nullable=False),
    Column("worked", Text, nullable=False),
    Column("failed", Text, nullable=False),
    Column("lessons", Text, nullable=False),
    Column("contact", String(300), nullable=False),
    Column("themes", EnumTuple(Theme, 40), nullable=False),
    Column("label", Enum(PracticeLabel, 20), nullable=False),
    Column("group_id", Uuid),
    Column("meeting_ids", UuidTuple(), nullable=False),
    Column("report_ids", UuidTuple(), nullable=False),
    Column("kpi_ids", TextTuple(60), nullable=False),
    Column("author_id", String(255)),
    Column("organisation_id", Uuid),
    _at("shared_at"),
    _at("updated_at"),
    _at("withdrawn_at", nullable=True),
    Column("search", TSVECTOR, Computed(PRACTICE_SEARCH, persisted=True)),
    Index("ix_practices_search", "search", postgresql_using="gin"),
    Index("ix_practices_label_shared", "label", "shared_at", postgresql_where=text("withdrawn_at IS NULL")),
    Index("ix_practices_group", "group_id", postgresql_where=text("group_id IS NOT NULL")),
    Index("ix_practices_author", "author_id"),
    Index("ix_practices_themes", "themes", postgresql_using="gin"),
    Index("ix_practices_links", "meeting_ids", "report_ids", "kpi_ids", postgresql_using="gin"),
)

pilots = Table(
    "pilots",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("problem", Text, nullable=False),
    Column("approach", Text, nullable=False),
    Column("status", Enum(PilotStatus, 20), nullable=False),
    Column("results", Text, nullable=False),
    Column("documents", Attachments, nullable=False),
    Column("owner_organisation_id", Uuid, nullable=False),
    Column("executive_organisation_id", Uuid),
    Column("supplier_name", String(200), nullable=False),
    Column("supplier_organisation_id", Uuid),
    Column("stakeholders", Stakeholders, nullable=False),
    Column("registered_by", String(255)),
    _at("registered_at"),
    _at("updated_at"),
    Index("ix_pilots_status_registered", "status", "registered_at"),
    Index("ix_pilots_owner", "owner_organisation_id"),
)

pilot_follows = Table(
    "pilot_follows",
    metadata,
    Column("pilot_id", Uuid, ForeignKey("pilots.id"), primary_key=True),
    Column("person_id", String(255), primary_key=True),
    _at("followed_at"),
    Index("ix_pilot_follows_person", "person_id"),
)

pilot_adoptions = Table(
    "pilot_adoptions",
    metadata,
    Column("pilot_id", Uuid, ForeignKey("pilots.id"), primary_key=True),
    Column("organisation_id", Uuid, primary_key=True),
    Column("status", Enum(AdoptionStatus, 10), nullable=False),
    Column("set_by", String(255)),
    _at("changed_at"),
    Index("ix_pilot_adoptions_pilot_status", "pilot_id", "status"),
)

pilot_adoption_history = Table(
    "pilot_adoption_history",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("pilot_id", Uuid, ForeignKey("pilots.id"), nullable=False),
    Column("organisation_id", Uuid, nullable=False),
    Column("status", Enum(AdoptionStatus, 10)),
    Column("previous_status", Enum(AdoptionStatus, 10)),
    Column("set_by", String(255)),
    _at("changed_at"),
    Index("ix_pilot_adoption_history_pilot", "pilot_id", "changed_at"),
)

PRACTICES = Entity(Practice, practices)
PILOTS = Entity(Pilot, pilots)
ADOPTIONS = Entity(Adoption, pilot_adoptions)
ADOPTION_HISTORY = Entity(AdoptionChange, pilot_adoption_history)
