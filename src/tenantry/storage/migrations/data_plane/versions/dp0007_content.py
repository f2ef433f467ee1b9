"""Data plane: the customer's content, forked from the starter template at onboarding, under RLS.

Revision ID: dp0007_content
Revises: dp0006_hooks
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dp0007_content"
down_revision = "dp0006_hooks"
branch_labels = None
depends_on = None

APP_ROLE = "tenantry_app"


def upgrade() -> None:
    op.create_table(
        "content_items",
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("template_version", sa.String(32), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("realm_id", "organization_id", "key"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON content_items TO {APP_ROLE}")
        op.execute("ALTER TABLE content_items ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE content_items FORCE ROW LEVEL SECURITY")
        op.execute(
            "CREATE POLICY realm_isolation ON content_items "
            "USING (realm_id = current_setting('tenantry.realm_id', true)) "
            "WITH CHECK (realm_id = current_setting('tenantry.realm_id', true))"
        )


def downgrade() -> None:
    op.drop_table("content_items")
