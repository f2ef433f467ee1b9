"""Control plane: a realm's post-login hooks (rules, plugins, webhooks with sealed secrets).

Revision ID: cp0006_hooks
Revises: cp0005_outbox
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "cp0006_hooks"
down_revision = "cp0005_outbox"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "hooks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("realm_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("fail_open", sa.Boolean(), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["realm_id"], ["realms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("realm_id", "name", name="uq_hooks_realm_name"),
    )
    op.create_index("ix_hooks_realm_position", "hooks", ["realm_id", "position"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hooks_realm_position", table_name="hooks")
    op.drop_table("hooks")
