"""Control-plane schema: registry and configuration only (SPEC L2: no user, session, credential or content)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from .types import Json, UTCDateTime

metadata = MetaData()

data_planes = Table(
    "data_planes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(63), nullable=False, unique=True),
    Column("tier", String(16), nullable=False),
    Column("database", String(255), nullable=False),
    Column("server", String(63)),
    Column("region", String(63)),
    Column("version_pin", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
)

realms = Table(
    "realms",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(63), nullable=False, unique=True),
    Column("display_name", String(255), nullable=False),
    Column("custom_domain", String(253), unique=True),
    Column("home_plane_id", String(32), ForeignKey("data_planes.id"), nullable=False),
    Column("settings", Json, nullable=False),
    Column("policy", Json, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

breached_passwords = Table(
    "breached_passwords",
    metadata,
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), primary_key=True),
    Column("sha1", String(40), primary_key=True),
)

connections = Table(
    "connections",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(63), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("data_plane_id", String(32), ForeignKey("data_planes.id"), nullable=False),
    Column("organization_id", String(32)),
    Column("password_policy", Json, nullable=False),
    Column("options", Json, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("realm_id", "name", name="uq_connections_realm_name"),
)

organizations = Table(
    "organizations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(50), nullable=False),
    Column("display_name", String(255), nullable=False),
    Column("isolated", Boolean, nullable=False),
    Column("data_plane_id", String(32), ForeignKey("data_planes.id"), nullable=False),
    Column("metadata", Json, nullable=False),
    Column("policy", Json, nullable=False),
    Column("branding", Json, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("realm_id", "name", name="uq_organizations_realm_name"),
)

organization_connections = Table(
    "organization_connections",
    metadata,
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("organization_id", String(32), ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("connection_id", String(32), ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True),
    Column("auto_membership", Boolean, nullable=False),
)

roles = Table(
    "roles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(63), nullable=False),
    Column("description", Text, nullable=False),
    Column("permissions", Json, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("realm_id", "name", name="uq_roles_realm_name"),
)

domain_claims = Table(
    "domain_claims",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("organization_id", String(32), ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column("domain", String(253), nullable=False),
    Column("token", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("method", String(16), nullable=False),
    Column("auto_join", Boolean, nullable=False),
    Column("verified_at", UTCDateTime()),
    Column("checked_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("organization_id", "domain", name="uq_domain_claims_org_domain"),
    Index(
        "uq_domain_claims_verified",
        "domain",
        unique=True,
        sqlite_where=text("status = 'verified'"),
        postgresql_where=text("status = 'verified'"),
    ),
    Index("ix_domain_claims_realm_domain", "realm_id", "domain"),
)

applications = Table(
    "applications",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(63), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("client_secret_hash", String(128)),
    Column("public", Boolean, nullable=False),
    Column("config", Json, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("realm_id", "name", name="uq_applications_realm_name"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("issuer", Text, nullable=False),
    Column("alg", String(16), nullable=False),
    Column("sealed_private_key", Text, nullable=False),
    Column("public_jwk", Json, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("activates_at", UTCDateTime(), nullable=False),
    Column("superseded_at", UTCDateTime()),
    Column("retire_after", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
    Index("ix_signing_keys_realm", "realm_id", "alg"),
)
"""A realm's signing keys; the private key is sealed by the SecretStore, the status is computed from the times."""

admin_tokens = Table(
    "admin_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", Json, nullable=False),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE")),
    Column("organization_id", String(32), ForeignKey("organizations.id", ondelete="CASCADE")),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer),
    Column("body", LargeBinary),
    Column("content_type", String(100)),
    Column("created_at", UTCDateTime(), nullable=False),
)

audit_heads = Table(
    "audit_heads",
    metadata,
    Column("stream", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("stream", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32), nullable=False),
    Column("target_id", String(128), nullable=False),
    Column("request_id", String(64)),
    Column("realm_id", String(32)),
    Column("organization_id", String(32)),
    Column("details", Json, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream", "seq", name="uq_audit_events_stream_seq"),
    Index("ix_audit_events_stream_org", "stream", "organization_id", "seq"),
)

throttle_counters = Table(
    "throttle_counters",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("window_ends_at", UTCDateTime(), nullable=False),
    Column("locked_until", UTCDateTime()),
    Index("ix_throttle_counters_window_ends_at", "window_ends_at"),
)
"""Brute-force counters when Redis is not configured (SPEC S6); ``key`` is a SHA-256 digest, never an email or IP."""
