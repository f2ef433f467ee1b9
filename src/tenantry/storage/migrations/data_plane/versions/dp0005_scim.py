"""Data plane: SCIM records of provisioned users, their emails, SCIM groups and members, under RLS on PostgreSQL.

Revision ID: dp0005_scim
Revises: dp0004_invitations
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "dp0005_scim"
down_revision = "dp0004_invitations"
branch_labels = None
depends_on = None

APP_ROLE = "tenantry_app"
NEW_TABLES = ("scim_users", "scim_user_emails", "scim_groups", "scim_group_members")
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _user_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "scim_users",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("user_name", sa.String(320), nullable=False),
        sa.Column("user_name_key", sa.String(320), nullable=False),
        sa.Column("external_id", sa.String(255)),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _user_fk(),
    )
    op.create_index(
        "uq_scim_users_user_name", "scim_users", ["realm_id", "connection_id", "user_name_key"], unique=True
    )
    op.create_index("ix_scim_users_external_id", "scim_users", ["realm_id", "connection_id", "external_id"])
    op.create_table(
        "scim_user_emails",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("value", sa.String(320), nullable=False),
        sa.Column("value_key", sa.String(320), nullable=False),
        sa.Column("type", sa.String(64)),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        _user_fk(),
    )
    op.create_index("ix_scim_user_emails_value", "scim_user_emails", ["realm_id", "connection_id", "value_key"])
    op.create_table(
        "scim_groups",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("display_name_key", sa.String(255), nullable=False),
        sa.Column("external_id", sa.String(255)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index(
        "uq_scim_groups_display_name", "scim_groups", ["realm_id", "connection_id", "display_name_key"], unique=True
    )
    op.create_index("ix_scim_groups_external_id", "scim_groups", ["realm_id", "connection_id", "external_id"])
    op.create_table(
        "scim_group_members",
        sa.Column("group_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("display", sa.String(255)),
        sa.ForeignKeyConstraint(["group_id"], ["scim_groups.id"], ondelete="CASCADE"),
        _user_fk(),
    )
    op.create_index("ix_scim_group_members_user", "scim_group_members", ["user_id"])
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
    for table in ("scim_group_members", "scim_groups", "scim_user_emails", "scim_users"):
        op.drop_table(table)
