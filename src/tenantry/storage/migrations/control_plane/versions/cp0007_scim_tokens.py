"""Control plane: SCIM bearer tokens, each bound to a realm, a connection and optionally an organization.

Revision ID: cp0007_scim_tokens
Revises: cp0006_hooks
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cp0007_scim_tokens"
down_revision = "cp0006_hooks"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scim_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("realm_id", sa.String(32), sa.ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("connection_id", sa.String(32), sa.ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
        sa.Column("organization_id", sa.String(32), sa.ForeignKey("organizations.id", ondelete="CASCADE")),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN),
    )
    op.create_index("ix_scim_tokens_realm_connection", "scim_tokens", ["realm_id", "connection_id"])


def downgrade() -> None:
    op.drop_index("ix_scim_tokens_realm_connection", table_name="scim_tokens")
    op.drop_table("scim_tokens")
