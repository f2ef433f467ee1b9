"""Data plane: sessions, token families, authorization codes and refresh tokens, under RLS on PostgreSQL.

Revision ID: dp0002
Revises: dp0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dp0002"
down_revision = "dp0001"
branch_labels = None
depends_on = None

APP_ROLE = "tenantry_app"
NEW_TABLES = ("sessions", "token_families", "authorization_codes", "refresh_tokens")
WHEN = sa.DateTime(timezone=True)


def _user_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32)),
        sa.Column("auth_time", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("idle_expires_at", WHEN, nullable=False),
        sa.Column("absolute_expires_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN),
        _user_fk(),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id"])
    op.create_table(
        "token_families",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64)),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN),
        _user_fk(),
    )
    op.create_index("ix_token_families_user", "token_families", ["user_id"])
    op.create_index("ix_token_families_session", "token_families", ["session_id"])
    op.create_table(
        "authorization_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(64)),
        sa.Column("organization_id", sa.String(32)),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Text()),
        sa.Column("code_challenge", sa.String(128)),
        sa.Column("code_challenge_method", sa.String(8)),
        sa.Column("auth_time", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN),
        _user_fk(),
        sa.ForeignKeyConstraint(["family_id"], ["token_families.id"], ondelete="CASCADE"),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(64)),
        sa.Column("organization_id", sa.String(32)),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("auth_time", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("rotated_at", WHEN),
        _user_fk(),
        sa.ForeignKeyConstraint(["family_id"], ["token_families.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_refresh_tokens_family", "refresh_tokens", ["family_id"])
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
    for table in ("refresh_tokens", "authorization_codes", "token_families", "sessions"):
        op.drop_table(table)
