"""Data plane: the claims post-login hooks added to a grant, kept on its token family for refreshes.

Revision ID: dp0006_hooks
Revises: dp0005_scim
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "dp0006_hooks"
down_revision = "dp0005_scim"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("token_families", sa.Column("claims", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("token_families") as batch:
        batch.drop_column("claims")
