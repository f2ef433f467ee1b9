"""Data-plane schema: users, identities, credentials and memberships. Every row carries ``realm_id``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKeyConstraint, Index, Integer, MetaData, String, Table, Text

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
    Column("mfa_at", UTCDateTime()),
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
    Column("claims", Json),
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

invitations = Table(
    "invitations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("organization_id", String(32), nullable=False),
    Column("email", String(320), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("inviter", String(128), nullable=False),
    Column("roles", Json, nullable=False),
    Column("application_id", String(32)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("accepted_at", UTCDateTime()),
    Column("accepted_user_id", String(32)),
    Column("revoked_at", UTCDateTime()),
    Index("uq_invitations_token", "token_hash", unique=True),
    Index("ix_invitations_realm_org", "realm_id", "organization_id", "id"),
)
"""E1-E4: only the digest of the link's secret is kept."""

mail_tokens = Table(
    "mail_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("email", String(320), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime()),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index("ix_mail_tokens_user", "user_id", "kind"),
)
"""Email verification and password reset links, typed by realm and kind (HOSTILE 50)."""
mfa_factors = Table(
    "mfa_factors",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("label", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("confirmed_at", UTCDateTime()),
    Column("secret", Text),
    Column("credential_id", String(1400)),
    Column("public_key", Text),
    Column("sign_count", BigInteger, nullable=False),
    Column("last_step", BigInteger),
    Column("last_used_at", UTCDateTime()),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index("ix_mfa_factors_user", "realm_id", "user_id"),
    Index("uq_mfa_factors_credential", "realm_id", "credential_id", unique=True),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("realm_id", String(32), nullable=False),
    Column("user_id", String(32), primary_key=True),
    Column("code_hash", String(64), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime()),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
)

mfa_challenges = Table(
    "mfa_challenges",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("challenge", String(128), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
)

scim_users = Table(
    "scim_users",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("connection_id", String(32), nullable=False),
    Column("user_name", String(320), nullable=False),
    Column("user_name_key", String(320), nullable=False),
    Column("external_id", String(255)),
    Column("attributes", Json, nullable=False),
    Column("version", Integer, nullable=False),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index("uq_scim_users_user_name", "realm_id", "connection_id", "user_name_key", unique=True),
    Index("ix_scim_users_external_id", "realm_id", "connection_id", "external_id"),
)
"""H2: the SCIM side of a provisioned user; userName is unique per connection, compared case-folded."""

scim_user_emails = Table(
    "scim_user_emails",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("connection_id", String(32), nullable=False),
    Column("value", String(320), nullable=False),
    Column("value_key", String(320), nullable=False),
    Column("type", String(64)),
    Column("is_primary", Boolean, nullable=False),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index("ix_scim_user_emails_value", "realm_id", "connection_id", "value_key"),
)
"""H3: a row per SCIM email, so ``emails eq`` and ``emails[type eq "work"].value eq`` use an index."""

scim_groups = Table(
    "scim_groups",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("connection_id", String(32), nullable=False),
    Column("display_name", String(255), nullable=False),
    Column("display_name_key", String(255), nullable=False),
    Column("external_id", String(255)),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("uq_scim_groups_display_name", "realm_id", "connection_id", "display_name_key", unique=True),
    Index("ix_scim_groups_external_id", "realm_id", "connection_id", "external_id"),
)

scim_group_members = Table(
    "scim_group_members",
    metadata,
    Column("group_id", String(32), primary_key=True),
    Column("user_id", String(32), primary_key=True),
    Column("realm_id", String(32), nullable=False),
    Column("display", String(255)),
    ForeignKeyConstraint(["group_id"], ["scim_groups.id"], ondelete="CASCADE"),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index("ix_scim_group_members_user", "user_id"),
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
    "invitations",
    "mail_tokens",
    "mfa_factors",
    "recovery_codes",
    "mfa_challenges",
    "scim_users",
    "scim_user_emails",
    "scim_groups",
    "scim_group_members",
    "content_items",
)
"""Tables that carry ``realm_id`` and get a row-level security policy on PostgreSQL."""

content_items = Table(
    "content_items",
    metadata,
    Column("realm_id", String(32), primary_key=True),
    Column("organization_id", String(32), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("template_version", String(32), nullable=False),
    Column("title", String(255), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
"""A customer's content, forked from the starter template at onboarding (SPEC L3)."""
