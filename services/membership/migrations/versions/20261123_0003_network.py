"""the whole network: organisation profile and status history, people, roles, invitations, groups

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _updated_at() -> sa.Column[object]:
    return sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.add_column("organisations", sa.Column("domains", sa.ARRAY(sa.String(40)), nullable=False, server_default="{}"))
    op.add_column("organisations", sa.Column("size_class", sa.String(20)))
    op.add_column("organisations", sa.Column("contact_name", sa.String(200), nullable=False, server_default=""))
    op.add_column("organisations", _at("status_changed_at", nullable=True))
    op.execute("UPDATE organisations SET status_changed_at = coalesce(left_at, joined_at, applied_at)")
    op.alter_column("organisations", "status_changed_at", nullable=False, server_default=sa.func.now())
    # A suspended member keeps its name too.
    op.drop_index("uq_organisations_live_name", "organisations")
    op.create_index(
        "uq_organisations_live_name_v2",
        "organisations",
        [sa.text("lower(name)")],
        unique=True,
        postgresql_where=sa.text("status IN ('applied', 'member', 'suspended')"),
    )

    op.create_table(
        "organisation_history",
        sa.Column("position", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text()),
        _at("at"),
        sa.Column("by_person_id", sa.String(255)),
    )
    op.create_index("ix_organisation_history_organisation", "organisation_history", ["organisation_id", "position"])
    op.create_index("ix_organisation_history_status_at", "organisation_history", ["status", "at"])
    # The history so far, as far as the old columns tell it.
    for status, at in (("applied", "applied_at"), ("member", "joined_at"), ("left", "left_at")):
        op.execute(
            f"INSERT INTO organisation_history (organisation_id, status, at) "
            f"SELECT id, '{status}', {at} FROM organisations WHERE {at} IS NOT NULL ORDER BY {at}"
        )

    op.create_table(
        "people",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisations.id")),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("function_title", sa.String(200)),
        sa.Column("visibility", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _at("registered_at"),
        _at("left_at", nullable=True),
        _at("erased_at", nullable=True),
        _updated_at(),
    )
    op.create_index("ix_people_organisation_name", "people", ["organisation_id", "name", "id"])

    op.create_table(
        "person_roles",
        sa.Column("person_id", sa.String(255), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("organisation_id", sa.Uuid()),
        _at("granted_at"),
        sa.Column("granted_by", sa.String(255)),
        sa.PrimaryKeyConstraint("person_id", "role"),
    )
    op.create_index("ix_person_roles_organisation_role", "person_roles", ["organisation_id", "role"])

    op.create_table(
        "invitations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("invited_by", sa.String(255), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("accepted_by", sa.String(255)),
        _at("closed_at", nullable=True),
    )
    op.create_index("ix_invitations_organisation_created", "invitations", ["organisation_id", "created_at"])

    op.create_table(
        "groups",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("joining", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _at("created_at"),
        _at("archived_at", nullable=True),
        _updated_at(),
    )
    op.create_index(
        "uq_groups_active_name",
        "groups",
        [sa.text("lower(name)")],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index("ix_groups_status_kind_name", "groups", ["status", "kind", "name"])

    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Uuid(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("person_id", sa.String(255), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _at("requested_at"),
        _at("joined_at", nullable=True),
        sa.PrimaryKeyConstraint("group_id", "person_id"),
    )
    op.create_index("ix_group_members_person", "group_members", ["person_id"])


def downgrade() -> None:
    for table in ("group_members", "groups", "invitations", "person_roles", "people", "organisation_history"):
        op.drop_table(table)
    op.drop_index("uq_organisations_live_name_v2", "organisations")
    op.create_index(
        "uq_organisations_live_name",
        "organisations",
        [sa.text("lower(name)")],
        unique=True,
        postgresql_where=sa.text("status IN ('applied', 'member')"),
    )
    for column in ("status_changed_at", "contact_name", "size_class", "domains"):
        op.drop_column("organisations", column)
