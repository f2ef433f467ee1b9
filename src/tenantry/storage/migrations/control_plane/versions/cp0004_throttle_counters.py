"""Control plane: brute-force counters and locks, used when Redis is not configured.

Revision ID: cp0004
Revises: cp0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cp0004"
down_revision = "cp0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_throttle_counters_window_ends_at", "throttle_counters", ["window_ends_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_throttle_counters_window_ends_at", table_name="throttle_counters")
    op.drop_table("throttle_counters")
