"""Tables owned by the benchmark service, and the one mapping of each entity onto its table."""

from npd_contracts import OrganisationKind, PolicyDomain, SizeClass
from npd_runtime import Entity, Enum, EnumTuple, access_tables, messaging_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from npd_benchmark.actions.domain import Action, Phase
from npd_benchmark.catalogue.domain import Direction, Kpi, KpiGroup, KpiType
from npd_benchmark.cycles.domain import Cycle, CycleStatus, Submission, SubmissionStatus
from npd_benchmark.peers import Peer, PeerStatus

metadata = MetaData()
messaging_tables(metadata)
access_tables(metadata)  # who may do what, from membership's person events

# The organisations of the network as membership's events describe them: what peer groups are made of.
peers = Table(
    "peers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", Enum(OrganisationKind, 40), nullable=False),
    Column("size_class", Enum(SizeClass, 20)),
    Column("domains", EnumTuple(PolicyDomain, 40), nullable=False, server_default="{}"),
    Column("status", Enum(PeerStatus, 20), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

kpis = Table(
    "kpis",
    metadata,
    Column("catalogue_version", String(40), nullable=False),
    Column("kpi_id", String(60), nullable=False),
    Column("name", String(200), nullable=False),
    Column("definition", Text, nullable=False),
    Column("unit", String(40), nullable=False),
    Column("type", Enum(KpiType, 20), nullable=False),
    Column("direction", Enum(Direction, 20), nullable=False),
    Column("minimum", Double, nullable=False),
    Column("maximum", Double, nullable=False),
    Column("required", Boolean, nullable=False),
    Column("group", Enum(KpiGroup, 30), nullable=False),
    Column("numerator", String(60)),
    Column("denominator", String(60)),
    Column("factor", Double),
    Column("comparable", Boolean, nullable=False, server_default="true"),
    PrimaryKeyConstraint("catalogue_version", "kpi_id"),
)

cycles = Table(
    "cycles",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("year", SmallInteger, nullable=False, unique=True),
    Column("catalogue_version", String(40), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("status", Enum(CycleStatus, 20), nullable=False),
    Column("k", SmallInteger, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False, server_default="0"),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("cycle_id", Uuid, ForeignKey("cycles.id"), nullable=False),
    Column("organisation_id", Uuid, nullable=False),
    Column("status", Enum(SubmissionStatus, 20), nullable=False),
    Column("invited_at", DateTime(timezone=True), nullable=False),
    Column("feedback", Text),
    Column("delegate_person_id", String(255)),
    Column("custom_groups_opt_in", Boolean, nullable=False, server_default="false"),
    Column("named_opt_in", Boolean, nullable=False, server_default="false"),
    Column("submitted_at", DateTime(timezone=True)),
    Column("finalised_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),
    Index("ix_submissions_cycle_organisation", "cycle_id", "organisation_id", unique=True),
    Index("ix_submissions_organisation", "organisation_id"),
)

# The current value of each KPI in each submission, with the organisation's explanation.
submission_values = Table(
    "submission_values",
    metadata,
    Column("submission_id", Uuid, ForeignKey("submissions.id"), nullable=False),
    Column("kpi_id", String(60), nullable=False),
    Column("value", Double, nullable=False),
    Column("explanation", Text),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("submission_id", "kpi_id"),
)

# Every change of every value, oldest first; `changed_by` is emptied when that person is erased.
value_history = Table(
    "value_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("submission_id", Uuid, ForeignKey("submissions.id"), nullable=False),
    Column("kpi_id", String(60), nullable=False),
    Column("value", Double),
    Column("explanation", Text),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(255)),
    Index("ix_value_history_submission", "submission_id", "kpi_id"),
    Index("ix_value_history_changed_by", "changed_by"),
)

# Published figures, per version: one row per KPI and peer group (released or withheld, with reasons).
results = Table(
    "results",
    metadata,
    Column("cycle_id", Uuid, ForeignKey("cycles.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kpi_id", String(60), nullable=False),
    Column("peer_group", String(80), nullable=False),
    Column("count", Integer),
    Column("stats", JSONB, nullable=False),
    Column("withheld", JSONB, nullable=False),
    Column("member_set", String(64), nullable=False),
    PrimaryKeyConstraint("cycle_id", "version", "kpi_id", "peer_group"),
)

# The member sets of released groups (shared by the many KPIs answered by the same organisations): the
# ledger that differencing checks consult, composed groups included.
member_sets = Table(
    "member_sets",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("members", ARRAY(Uuid), nullable=False),
)

# Groups composed by users and released (quantiles only), per KPI: part of the ledger.
composed_releases = Table(
    "composed_releases",
    metadata,
    Column("cycle_id", Uuid, ForeignKey("cycles.id"), nullable=False),
    Column("kpi_id", String(60), nullable=False),
    Column("member_set", String(64), nullable=False),
    Column("count", Integer, nullable=False),
    Column("stats", JSONB, nullable=False),
    Column("withheld", JSONB, nullable=False),
    Column("released_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("cycle_id", "kpi_id", "member_set"),
)

actions = Table(
    "improvement_actions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False, index=True),
    Column("kpi_id", String(60), nullable=False),
    Column("title", String(200), nullable=False),
    Column("phase", Enum(Phase, 10), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("started_on", DateTime(timezone=True), nullable=False),
    Column("due_on", DateTime(timezone=True)),
    Column("notes", Text, nullable=False, server_default=""),
    Column("baseline_year", SmallInteger),
    Column("target_value", Double),
)

PEERS = Entity(Peer, peers)
KPIS = Entity(Kpi, kpis)
CYCLES = Entity(Cycle, cycles)
SUBMISSIONS = Entity(Submission, submissions)
ACTIONS = Entity(Action, actions)
