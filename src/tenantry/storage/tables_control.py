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
    Column("upstream", Json, nullable=False),
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

saml_applications = Table(
    "saml_applications",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(63), nullable=False),
    Column("entity_id", String(1024), nullable=False, unique=True),
    Column("settings", Json, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("realm_id", "name", name="uq_saml_applications_realm_name"),
)
"""SAML service providers (SPEC I1); ``entity_id`` is unique in the whole deployment (A4)."""

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

hooks = Table(
    "hooks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(63), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("position", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("fail_open", Boolean, nullable=False),
    Column("config", Json, nullable=False),
    Column("sealed_secret", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("realm_id", "name", name="uq_hooks_realm_name"),
    Index("ix_hooks_realm_position", "realm_id", "position"),
)
"""A realm's post-login hooks (SPEC J1, J2), run in ``position`` order; a webhook's secret is sealed."""

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

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_outbox_realm_id", "realm_id", "id"),
    Index("ix_outbox_created_at", "created_at"),
)
"""E4: mail kept instead of sent when no SMTP server is configured; pruned after the retention period."""

scim_tokens = Table(
    "scim_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("realm_id", String(32), ForeignKey("realms.id", ondelete="CASCADE"), nullable=False),
    Column("connection_id", String(32), ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("organization_id", String(32), ForeignKey("organizations.id", ondelete="CASCADE")),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    Index("ix_scim_tokens_realm_connection", "realm_id", "connection_id"),
)
"""SCIM bearer tokens (H1): each decides realm, connection and organization; stored as SHA-256 digests only."""

customers = Table(
    "customers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("slug", String(30), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("pattern", String(16), nullable=False),
    Column("region", String(63)),
    Column("cloud", String(63)),
    Column("version_pin", String(64)),
    Column("stack_name", String(255)),
    Column("endpoint", Text),
    Column("data_plane_ref", String(255)),
    Column("data_plane_id", String(32)),
    Column("realm_id", String(32)),
    Column("organization_id", String(32)),
    Column("connection_ids", Json, nullable=False),
    Column("verified_domains", Json, nullable=False),
    Column("data_residency", String(63)),
    Column("baa_signed", Boolean, nullable=False),
    Column("isolation_notes", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("activated_at", UTCDateTime()),
    Index("ix_customers_status", "status"),
)
"""The registry of paying customers (SPEC L1); ``*_ref`` columns hold secret-store references only."""

customer_domains = Table(
    "customer_domains",
    metadata,
    Column("domain", String(253), primary_key=True),
    Column("customer_id", String(32), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
)
"""A verified domain belongs to one customer: the primary key decides, even under concurrency."""

customer_runs = Table(
    "customer_runs",
    metadata,
    Column("slug", String(30), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("attempt", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("spec", Json, nullable=False),
    Column("error", Text),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
)

customer_steps = Table(
    "customer_steps",
    metadata,
    Column("slug", String(30), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("step", String(32), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("inputs_hash", String(64)),
    Column("inputs", Json, nullable=False),
    Column("outputs", Json, nullable=False),
    Column("error", Text),
    Column("started_at", UTCDateTime()),
    Column("finished_at", UTCDateTime()),
)
"""Each pipeline step's record (SPEC L4): status, attempt, inputs hash, outputs, error and times."""

customer_leases = Table(
    "customer_leases",
    metadata,
    Column("slug", String(30), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)
"""One executor per customer at a time; a crashed executor's lease lapses at ``expires_at``."""

stored_secrets = Table(
    "stored_secrets",
    metadata,
    Column("path", String(200), primary_key=True),
    Column("sealed", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
"""The embedded secret store behind ``tenantry-secret:`` references: sealed under the master key."""

replay_markers = Table(
    "replay_markers",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_replay_markers_expires_at", "expires_at"),
)
"""Single-use markers (SAML assertion ids, federation state) when Redis is not configured (DESIGN.md section 3);
``key`` is a SHA-256 digest of (realm, kind, value)."""
