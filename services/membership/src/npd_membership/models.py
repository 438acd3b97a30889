"""Tables owned by the membership service, and the one mapping of each entity onto its table."""

from npd_runtime import Entity, Enum, messaging_tables
from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Uuid, func, text

from npd_membership.domain import Organisation, OrganisationKind, Status

metadata = MetaData()
messaging_tables(metadata)

organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", Enum(OrganisationKind, 40), nullable=False),
    Column("status", Enum(Status, 20), nullable=False),
    Column("contact_person_id", String(255), nullable=False),
    Column("contact_email", String(320), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Column("joined_at", DateTime(timezone=True)),
    Column("left_at", DateTime(timezone=True)),
    # onupdate: every UPDATE through SQLAlchemy sets it, so no use case can forget to.
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()),
    # One live application or membership per name: a second one is a client error, not a second org.
    Index(
        "uq_organisations_live_name",
        func.lower(text("name")),
        unique=True,
        postgresql_where=text("status IN ('applied', 'member')"),
    ),
    Index("ix_organisations_status_name", "status", "name"),
)

ORGANISATIONS = Entity(Organisation, organisations)
