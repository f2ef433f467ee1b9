"""Control plane: enterprise connections' upstream settings, and single-use markers when Redis is not configured.

Revision ID: cp0010_enterprise_connections
Revises: cp0009_customers
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "cp0010_enterprise_connections"
down_revision = "cp0009_customers"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("upstream", JSON, nullable=False, server_default=sa.text("'{}'")))
    op.create_table(
        "replay_markers",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_replay_markers_expires_at", "replay_markers", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_replay_markers_expires_at", table_name="replay_markers")
    op.drop_table("replay_markers")
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("upstream")
