"""Data plane: second factors (TOTP, passkeys), recovery codes, WebAuthn challenges; sessions remember MFA.

Revision ID: dp0003_mfa_factors
Revises: dp0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dp0003_mfa_factors"
down_revision = "dp0002"
branch_labels = None
depends_on = None

APP_ROLE = "tenantry_app"
NEW_TABLES = ("mfa_factors", "recovery_codes", "mfa_challenges")
WHEN = sa.DateTime(timezone=True)


def _user_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.add_column("sessions", sa.Column("mfa_at", WHEN))
    op.create_table(
        "mfa_factors",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("confirmed_at", WHEN),
        sa.Column("secret", sa.Text()),
        sa.Column("credential_id", sa.String(1400)),
        sa.Column("public_key", sa.Text()),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("last_step", sa.BigInteger()),
        sa.Column("last_used_at", WHEN),
        _user_fk(),
    )
    op.create_index("ix_mfa_factors_user", "mfa_factors", ["realm_id", "user_id"])
    op.create_index("uq_mfa_factors_credential", "mfa_factors", ["realm_id", "credential_id"], unique=True)
    op.create_table(
        "recovery_codes",
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN),
        _user_fk(),
    )
    op.create_table(
        "mfa_challenges",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("challenge", sa.String(128), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        _user_fk(),
    )
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
    for table in ("mfa_challenges", "recovery_codes", "mfa_factors"):
        op.drop_table(table)
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("mfa_at")
