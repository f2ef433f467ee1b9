"""Control plane: SAML applications (service providers), their SP entity id unique in the deployment.

Revision ID: cp0008_saml_applications
Revises: cp0007_scim_tokens
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "cp0008_saml_applications"
down_revision = "cp0007_scim_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saml_applications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("realm_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("entity_id", sa.String(length=1024), nullable=False),
        sa.Column("settings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["realm_id"], ["realms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity_id"),
        sa.UniqueConstraint("realm_id", "name", name="uq_saml_applications_realm_name"),
    )


def downgrade() -> None:
    op.drop_table("saml_applications")
