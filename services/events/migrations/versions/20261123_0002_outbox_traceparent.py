"""outbox rows carry the trace context of the request that caused them

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from npd_runtime.migrations_ops import add_outbox_traceparent, drop_outbox_traceparent

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_traceparent()


def downgrade() -> None:
    drop_outbox_traceparent()
