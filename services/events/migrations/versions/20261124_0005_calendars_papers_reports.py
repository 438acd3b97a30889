"""calendars, papers and reports: calendar feed tokens (hashed), calls for papers, proposals, reviews, the
programme's sessions, meeting reports

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _texts(name: str, length: int) -> sa.Column[object]:
    return sa.Column(name, postgresql.ARRAY(sa.String(length)), nullable=False)


def upgrade() -> None:
    op.create_table(
        "feed_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(255)),
        _at("created_at"),
        _at("revoked_at", nullable=True),
    )
    op.create_index(
        "uq_feed_tokens_live",
        "feed_tokens",
        ["person_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_index("ix_feed_tokens_person", "feed_tokens", ["person_id"])

    op.create_table(
        "calls",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("meeting_id", sa.Uuid(), sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _texts("topics", 100),
        _texts("formats", 20),
        _at("closes_at"),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("programme_group_id", sa.Uuid()),
        sa.Column("opened_by", sa.String(255)),
        _at("opened_at"),
        _at("closed_at", nullable=True),
        _at("programme_published_at", nullable=True),
    )
    op.create_index("uq_calls_meeting", "calls", ["meeting_id"], unique=True)

    op.create_table(
        "papers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("call_id", sa.Uuid(), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("submitter_id", sa.String(255)),
        _texts("speaker_ids", 255),
        sa.Column("status", sa.String(20), nullable=False),
        _at("submitted_at"),
        _at("decided_at", nullable=True),
        sa.Column("decided_by", sa.String(255)),
    )
    op.create_index("ix_papers_call_submitted", "papers", ["call_id", "submitted_at"])
    op.create_index("ix_papers_submitter", "papers", ["submitter_id"])
    op.create_index("ix_papers_speakers", "papers", ["speaker_ids"], postgresql_using="gin")

    op.create_table(
        "reviews",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("paper_id", sa.Uuid(), sa.ForeignKey("papers.id"), nullable=False),
        sa.Column("reviewer_id", sa.String(255)),
        sa.Column("score", sa.Integer()),
        sa.Column("comment", sa.Text(), nullable=False),
        _at("assigned_at"),
        _at("reviewed_at", nullable=True),
    )
    op.create_index("uq_reviews_paper_reviewer", "reviews", ["paper_id", "reviewer_id"], unique=True)
    op.create_index("ix_reviews_reviewer", "reviews", ["reviewer_id"])

    op.create_table(
        "programme_sessions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("call_id", sa.Uuid(), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("paper_id", sa.Uuid(), sa.ForeignKey("papers.id")),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("room", sa.String(100), nullable=False),
        _at("starts_at"),
        _at("ends_at"),
        _texts("speaker_ids", 255),
    )
    op.create_index("ix_programme_sessions_call_starts", "programme_sessions", ["call_id", "starts_at"])
    op.create_index(
        "uq_programme_sessions_paper",
        "programme_sessions",
        ["paper_id"],
        unique=True,
        postgresql_where=sa.text("paper_id IS NOT NULL"),
    )
    op.create_index("ix_programme_sessions_speakers", "programme_sessions", ["speaker_ids"], postgresql_using="gin")

    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("meeting_id", sa.Uuid(), sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("lessons_learned", sa.Text(), nullable=False),
        sa.Column("attachments", postgresql.JSONB(), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("published_by", sa.String(255)),
        _at("published_at"),
        _at("revised_at"),
    )
    op.create_index("uq_reports_meeting", "reports", ["meeting_id"], unique=True)
    op.create_index("ix_reports_visibility_revised", "reports", ["visibility", "revised_at"])


def downgrade() -> None:
    for table in ("reports", "programme_sessions", "reviews", "papers", "calls", "feed_tokens"):
        op.drop_table(table)
