"""Tables owned by the membership service, and the one mapping of each entity onto its table."""

from npd_runtime import Entity, Enum, EnumTuple, messaging_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from npd_membership.groups.domain import (
    Group,
    GroupKind,
    GroupMembership,
    GroupRole,
    GroupStatus,
    JoinPolicy,
    MembershipStatus,
)
from npd_membership.mobility.domain import (
    CloseReason,
    Interest,
    InterestStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
)
from npd_membership.organisations.domain import (
    Organisation,
    OrganisationKind,
    PolicyDomain,
    SizeClass,
    Status,
    StatusEntry,
)
from npd_membership.people.domain import (
    Invitation,
    InvitationStatus,
    Person,
    PersonStatus,
    Role,
    RoleGrant,
    Visibility,
)
from npd_membership.positions.domain import Ballot, Position, PositionStatus, PositionVersion, Vote

metadata = MetaData()
messaging_tables(metadata)


def _updated_at() -> Column[object]:
    # onupdate: every UPDATE through SQLAlchemy sets it, so no use case can forget to.
    return Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now())


organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", Enum(OrganisationKind, 40), nullable=False),
    Column("domains", EnumTuple(PolicyDomain, 40), nullable=False, server_default="{}"),
    Column("size_class", Enum(SizeClass, 20)),
    Column("status", Enum(Status, 20), nullable=False),
    Column("contact_person_id", String(255), nullable=False),
    Column("contact_name", String(200), nullable=False, server_default=""),
    Column("contact_email", String(320), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Column("status_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("joined_at", DateTime(timezone=True)),
    Column("left_at", DateTime(timezone=True)),
    _updated_at(),
    # One live application or membership per name: a second one is a client error, not a second org.
    Index(
        "uq_organisations_live_name_v2",
        func.lower(text("name")),
        unique=True,
        postgresql_where=text("status IN ('applied', 'member', 'suspended')"),
    ),
    Index("ix_organisations_status_name", "status", "name"),
)

organisation_history = Table(
    "organisation_history",
    metadata,
    Column("position", BigInteger, Identity(always=True), primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("status", Enum(Status, 20), nullable=False),
    Column("reason", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by_person_id", String(255)),
    Index("ix_organisation_history_organisation", "organisation_id", "position"),
    Index("ix_organisation_history_status_at", "status", "at"),
)

_ACTIVE = text("status = 'active'")

people = Table(
    "people",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id")),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("language", String(8), nullable=False),
    Column("function_title", String(200)),
    Column("visibility", Enum(Visibility, 20), nullable=False),
    Column("status", Enum(PersonStatus, 20), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("left_at", DateTime(timezone=True)),
    Column("erased_at", DateTime(timezone=True)),
    _updated_at(),
    Index("ix_people_organisation_name", "organisation_id", "name", "id"),
    # The directory (migration 0004): name and function search by trigram, keyset pages by (name, id).
    Index(
        "ix_people_name_trgm",
        func.lower(text("name")).label("lower_name"),
        postgresql_using="gin",
        postgresql_ops={"lower_name": "gin_trgm_ops"},
        postgresql_where=_ACTIVE,
    ),
    Index(
        "ix_people_function_trgm",
        func.lower(text("function_title")).label("lower_function"),
        postgresql_using="gin",
        postgresql_ops={"lower_function": "gin_trgm_ops"},
        postgresql_where=_ACTIVE,
    ),
    Index("ix_people_active_name", "name", "id", postgresql_where=_ACTIVE),
)

person_roles = Table(
    "person_roles",
    metadata,
    Column("person_id", String(255), ForeignKey("people.id"), nullable=False),
    Column("role", Enum(Role, 20), nullable=False),
    Column("organisation_id", Uuid),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("granted_by", String(255)),
    PrimaryKeyConstraint("person_id", "role"),
    Index("ix_person_roles_organisation_role", "organisation_id", "role"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", Enum(Role, 20), nullable=False),
    # The code the invitee presents, kept only as its SHA-256: a database leak does not let anyone in.
    Column("code_hash", String(64), nullable=False),
    Column("invited_by", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("status", Enum(InvitationStatus, 20), nullable=False),
    Column("accepted_by", String(255)),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_invitations_organisation_created", "organisation_id", "created_at"),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", Enum(GroupKind, 20), nullable=False),
    Column("topic", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("joining", Enum(JoinPolicy, 20), nullable=False),
    Column("status", Enum(GroupStatus, 20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("archived_at", DateTime(timezone=True)),
    _updated_at(),
    Index("uq_groups_active_name", func.lower(text("name")), unique=True, postgresql_where=text("status = 'active'")),
    Index("ix_groups_status_kind_name", "status", "kind", "name"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", Uuid, ForeignKey("groups.id"), nullable=False),
    Column("person_id", String(255), ForeignKey("people.id"), nullable=False),
    Column("role", Enum(GroupRole, 20), nullable=False),
    Column("status", Enum(MembershipStatus, 20), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("joined_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("group_id", "person_id"),
    Index("ix_group_members_person", "person_id"),
)

ORGANISATIONS = Entity(Organisation, organisations)
ORGANISATION_HISTORY = Entity(StatusEntry, organisation_history)
PEOPLE = Entity(Person, people)
PERSON_ROLES = Entity(RoleGrant, person_roles)
INVITATIONS = Entity(Invitation, invitations)
GROUPS = Entity(Group, groups)
GROUP_MEMBERS = Entity(GroupMembership, group_members)

# -- one voice (issue 10): joint positions ----------------------------------------------------------------

positions = Table(
    "positions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("group_id", Uuid, ForeignKey("groups.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("status", Enum(PositionStatus, 20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("created_by", String(255)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True)),
    Column("circulated_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True)),
    Index("ix_positions_status_created", "status", "created_at"),
    # The reminder sweep looks only at circulating positions not yet reminded.
    Index(
        "ix_positions_due_reminder", "deadline", postgresql_where=text("status = 'circulating' AND reminded_at IS NULL")
    ),
)

position_versions = Table(
    "position_versions",
    metadata,
    Column("position_id", Uuid, ForeignKey("positions.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("author_id", String(255)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("position_id", "number"),
)

# Who a position was circulated to: the member organisations at that moment.
position_addressees = Table(
    "position_addressees",
    metadata,
    Column("position_id", Uuid, ForeignKey("positions.id"), nullable=False),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    PrimaryKeyConstraint("position_id", "organisation_id"),
)

# Every vote ever cast, in order; an organisation's latest is its vote.
position_ballots = Table(
    "position_ballots",
    metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("position_id", Uuid, ForeignKey("positions.id"), nullable=False),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("vote", Enum(Vote, 30), nullable=False),
    Column("remark", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("by_person_id", String(255)),
    Column("cast_at", DateTime(timezone=True), nullable=False),
    Index("ix_position_ballots_position_organisation", "position_id", "organisation_id", "seq"),
    Index("ix_position_ballots_person", "by_person_id"),
)

# Whom an organisation's admins mandate to vote for it on positions (without one: its board members, else
# its admins).
organisation_mandates = Table(
    "organisation_mandates",
    metadata,
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), primary_key=True),
    Column("person_id", String(255), ForeignKey("people.id"), nullable=False),
    Column("granted_by", String(255), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Index("ix_organisation_mandates_person", "person_id"),
)

POSITIONS = Entity(Position, positions)
POSITION_VERSIONS = Entity(PositionVersion, position_versions)
POSITION_BALLOTS = Entity(Ballot, position_ballots)

# -- staff mobility (issue 10) ------------------------------------------------------------------------------
opportunities = Table(
    "opportunities",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("kind", Enum(OpportunityKind, 20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("location", String(200), nullable=False),
    Column("contact_person_id", String(255)),
    Column("status", Enum(OpportunityStatus, 20), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(255)),
    Column("closed_at", DateTime(timezone=True)),
    Column("close_reason", Enum(CloseReason, 20)),
    Index("ix_opportunities_open_expiry", "expires_at", postgresql_where=text("status = 'open'")),
    Index("ix_opportunities_organisation", "organisation_id", "published_at"),
)

opportunity_interests = Table(
    "opportunity_interests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("opportunity_id", Uuid, ForeignKey("opportunities.id"), nullable=False),
    Column("person_id", String(255), ForeignKey("people.id"), nullable=False),
    Column("note", Text, nullable=False),
    Column("share_with_own_organisation", Boolean, nullable=False),
    Column("status", Enum(InterestStatus, 20), nullable=False),
    Column("expressed_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True)),
    Column("answer_message", Text, nullable=False),
    Index("uq_opportunity_interests_person", "opportunity_id", "person_id", unique=True),
    Index("ix_opportunity_interests_person", "person_id"),
)

OPPORTUNITIES = Entity(Opportunity, opportunities)
INTERESTS = Entity(Interest, opportunity_interests)
