"""Data-plane schema: users, identities, credentials and memberships. Every row carries ``realm_id``."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKeyConstraint, Index, MetaData, String, Table, Text

from .types import Json, UTCDateTime

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("connection_id", String(32), nullable=False),
    Column("email", String(320), nullable=False),
    Column("email_verified", Boolean, nullable=False),
    Column("name", String(255)),
    Column("given_name", String(255)),
    Column("family_name", String(255)),
    Column("blocked", Boolean, nullable=False),
    Column("app_metadata", Json, nullable=False),
    Column("user_metadata", Json, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("uq_users_realm_connection_email", "realm_id", "connection_id", "email", unique=True),
    Index("ix_users_realm_email", "realm_id", "email"),
)

credentials = Table(
    "credentials",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
)

identities = Table(
    "identities",
    metadata,
    Column("realm_id", String(32), nullable=False),
    Column("connection_id", String(32), primary_key=True),
    Column("issuer", String(512), primary_key=True),
    Column("subject", String(255), primary_key=True),
    Column("user_id", String(32), nullable=False),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index("ix_identities_user", "user_id"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("realm_id", String(32), nullable=False),
    Column("organization_id", String(32), primary_key=True),
    Column("user_id", String(32), primary_key=True),
    Column("roles", Json, nullable=False),
    Column("source", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index("ix_memberships_user", "user_id", "organization_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("connection_id", String(32), nullable=False),
    Column("organization_id", String(32)),
    Column("auth_time", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("idle_expires_at", UTCDateTime(), nullable=False),
    Column("absolute_expires_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index("ix_sessions_user", "user_id"),
)

token_families = Table(
    "token_families",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("session_id", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index("ix_token_families_user", "user_id"),
    Index("ix_token_families_session", "session_id"),
)

authorization_codes = Table(
    "authorization_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("family_id", String(64), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("session_id", String(64)),
    Column("organization_id", String(32)),
    Column("redirect_uri", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("nonce", Text),
    Column("code_challenge", String(128)),
    Column("code_challenge_method", String(8)),
    Column("auth_time", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime()),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    ForeignKeyConstraint(["family_id"], ["token_families.id"], ondelete="CASCADE"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("family_id", String(64), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("session_id", String(64)),
    Column("organization_id", String(32)),
    Column("scope", Text, nullable=False),
    Column("auth_time", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("rotated_at", UTCDateTime()),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    ForeignKeyConstraint(["family_id"], ["token_families.id"], ondelete="CASCADE"),
    Index("ix_refresh_tokens_family", "family_id"),
)

RLS_TABLES = (
    "users",
    "credentials",
    "identities",
    "memberships",
    "sessions",
    "token_families",
    "authorization_codes",
    "refresh_tokens",
)
"""Tables that carry ``realm_id`` and get a row-level security policy on PostgreSQL."""
