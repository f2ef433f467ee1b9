"""Data plane: invitations and mail tokens (email verification, password reset), under RLS on PostgreSQL.

Revision ID: dp0004_invitations
Revises: dp0003_mfa_factors
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "dp0004_invitations"
down_revision = "dp0003_mfa_factors"
branch_labels = None
depends_on = None

APP_ROLE = "tenantry_app"
NEW_TABLES = ("invitations", "mail_tokens")
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("inviter", sa.String(128), nullable=False),
        sa.Column("roles", JSON, nullable=False),
        sa.Column("application_id", sa.String(32)),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("accepted_at", WHEN),
        sa.Column("accepted_user_id", sa.String(32)),
        sa.Column("revoked_at", WHEN),
    )
    op.create_index("uq_invitations_token", "invitations", ["token_hash"], unique=True)
    op.create_index("ix_invitations_realm_org", "invitations", ["realm_id", "organization_id", "id"])
    op.create_table(
        "mail_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_mail_tokens_user", "mail_tokens", ["user_id", "kind"])
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY realm_isolation ON {table} "
                "USING (realm_id = current_setting('tenantry.realm_id', true)) "
                "WITH CHECK (realm_id = current_setting('tenantry.realm_id', true))"
            )


def downgrade() -> None:
    op.drop_table("mail_tokens")
    op.drop_table("invitations")
