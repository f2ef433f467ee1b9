"""Control plane: the customer registry, its pipeline records and leases, and the embedded secret store.

Revision ID: cp0009_customers
Revises: cp0008_saml_applications
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "cp0009_customers"
down_revision = "cp0008_saml_applications"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("slug", sa.String(30), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("pattern", sa.String(16), nullable=False),
        sa.Column("region", sa.String(63)),
        sa.Column("cloud", sa.String(63)),
        sa.Column("version_pin", sa.String(64)),
        sa.Column("stack_name", sa.String(255)),
        sa.Column("endpoint", sa.Text()),
        sa.Column("data_plane_ref", sa.String(255)),
        sa.Column("data_plane_id", sa.String(32)),
        sa.Column("realm_id", sa.String(32)),
        sa.Column("organization_id", sa.String(32)),
        sa.Column("connection_ids", JSON, nullable=False),
        sa.Column("verified_domains", JSON, nullable=False),
        sa.Column("data_residency", sa.String(63)),
        sa.Column("baa_signed", sa.Boolean(), nullable=False),
        sa.Column("isolation_notes", sa.Text()),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("activated_at", WHEN),
    )
    op.create_index("ix_customers_status", "customers", ["status"])
    op.create_table(
        "customer_domains",
        sa.Column("domain", sa.String(253), primary_key=True),
        sa.Column("customer_id", sa.String(32), sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_table(
        "customer_runs",
        sa.Column("slug", sa.String(30), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN),
    )
    op.create_table(
        "customer_steps",
        sa.Column("slug", sa.String(30), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("step", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("inputs_hash", sa.String(64)),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("outputs", JSON, nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("started_at", WHEN),
        sa.Column("finished_at", WHEN),
    )
    op.create_table(
        "customer_leases",
        sa.Column("slug", sa.String(30), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
    )
    op.create_table(
        "stored_secrets",
        sa.Column("path", sa.String(200), primary_key=True),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )


def downgrade() -> None:
    for table in ("stored_secrets", "customer_leases", "customer_steps", "customer_runs", "customer_domains"):
        op.drop_table(table)
    op.drop_index("ix_customers_status", table_name="customers")
    op.drop_table("customers")
