"""Tables owned by the events service, and the one mapping of each entity onto its table.

`organisations` and `groups` are read models of membership's events; venues, series, meetings,
registrations and guest chairs are this service's own.
"""

from npd_runtime import Entity, Enum, EnumTuple, access_tables, messaging_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from npd_events.meetings.domain import Audience, Meeting, MeetingFormat, MeetingStatus, Series, Venue
from npd_events.network.domain import Group, GroupKind, Organisation, OrganisationKind, OrganisationStatus
from npd_events.registrations.domain import EndReason, Registration, RegistrationStatus
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
