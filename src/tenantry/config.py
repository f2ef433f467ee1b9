"""One typed settings object, read from ``TENANTRY_*`` environment variables.

The README's configuration table is generated from the field descriptions here, so the
documentation and the code cannot drift apart.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenantry.adapters.mail import SmtpServer
from tenantry.adapters.secrets import valid_master_key


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(env_prefix="TENANTRY_", extra="ignore")

    base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Public base URL; realm issuers are `{base_url}/realms/{realm}`.",
    )
    host: str = Field("127.0.0.1", description="Address `tenantry serve` binds to.")
    port: int = Field(8000, description="Port `tenantry serve` listens on.")
    data_dir: Path = Field(
        Path(".tenantry"),
        description="Directory for the embedded SQLite databases (control.db and planes/*.db).",
    )
    database_url: str | None = Field(
        None,
        description=(
            "Control-plane database URL. Unset: SQLite in `data_dir`. A `postgresql://` URL puts the "
            "control plane there and each data plane in its own database on the same server."
        ),
    )
    plane_servers: dict[str, str] = Field(
        default_factory=dict,
        description=(
            'JSON object naming other PostgreSQL servers for data planes, e.g. `{"eu": "postgresql://u@eu-db/"}`; '
            "a plane created with `--server eu` lives there."
        ),
    )
    master_key: SecretStr | None = Field(
        None,
        description=(
            "Key that encrypts secrets at rest (signing keys): urlsafe base64 of 32 bytes, e.g. from "
            "`python -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'`. "
            "Unset: a key file `master.key` in `data_dir`, created once (mode 0600); every node of a "
            "deployment must then share that file."
        ),
    )
    key_publish_seconds: int = Field(
        3600,
        ge=0,
        description="How long a rotated signing key is published in the JWKS before it signs (`tenantry keys rotate`).",
    )
    key_retire_seconds: int = Field(
        86_400,
        ge=0,
        description=(
            "How long a superseded signing key stays in the JWKS after its successor activates; "
            "at least the longest token lifetime."
        ),
    )
    session_idle_minutes: int = Field(
        480,
        ge=1,
        le=525_600,
        description=(
            "Minutes a hosted-login session lives without use, for realms whose policy sets no "
            "`session_idle_minutes`; each use starts the count again."
        ),
    )
    session_absolute_minutes: int = Field(
        10_080,
        ge=1,
        le=525_600,
        description=(
            "Minutes a hosted-login session lives after its login, used or not, for realms whose policy sets no "
            "`session_absolute_minutes`; refresh tokens from the session end with it."
        ),
    )
    max_body_bytes: int = Field(1_048_576, description="Largest request body accepted, in bytes.")
    domain_recheck_seconds: int = Field(
        21_600, description="How often verified domain claims are re-checked in DNS (0 turns it off)."
    )
    dns_nameservers: list[str] = Field(
        default_factory=list,
        description='Nameservers for domain verification, e.g. `["127.0.0.1:5353"]`. Unset: the system resolver.',
    )
    argon2_time_cost: int = Field(2, description="argon2id iterations for password hashes.")
    argon2_memory_kib: int = Field(19_456, description="argon2id memory per hash, in KiB.")
    argon2_parallelism: int = Field(1, description="argon2id lanes per hash.")
    hash_workers: int = Field(2, description="Threads that hash passwords off the event loop.")
    redis_url: str | None = Field(
        None,
        description=(
            "Redis URL (e.g. `redis://127.0.0.1:6379/0`) for shared short-lived state: brute-force counters. "
            "Unset: the control-plane database. When set and Redis is down, credential checks are refused "
            "(503 `throttle_unavailable`)."
        ),
    )
    redis_prefix: str = Field("tenantry:", description="Prefix of every Redis key, so deployments can share a Redis.")
    throttle_max_failures_per_account_ip: int = Field(
        10,
        ge=1,
        description=(
            "Failed logins of one account from one IP within the window that lock that pair; "
            "the next try is refused with 429. The same account from another IP is not locked."
        ),
    )
    throttle_account_ip_window_seconds: int = Field(
        900, ge=1, description="Window of the (account, IP) failure counter, from its first failure."
    )
    throttle_lockout_seconds: int = Field(
        900, ge=1, description="How long a reached limit (account and IP, or IP) refuses further tries."
    )
    throttle_max_failures_per_ip: int = Field(
        100, ge=1, description="Failed logins from one IP across the accounts of a realm within the IP window."
    )
    throttle_ip_window_seconds: int = Field(
        3600, ge=1, description="Window of the per-IP failure counter, from its first failure."
    )
    throttle_exempt_cidrs: list[str] = Field(
        default_factory=list,
        description=(
            'Networks never counted per IP, e.g. `["10.0.0.0/8"]` for a corporate NAT; '
            "their (account, IP) pairs are still counted."
        ),
    )
    smtp_url: SecretStr | None = Field(
        None,
        description=(
            "SMTP server for mail (invitations, email verification, password reset): "
            "`smtp://user:password@host:587` (STARTTLS when offered; add `?starttls=require` or `?starttls=off`) "
            "or `smtps://user:password@host:465` (TLS from the start). Unset: mail is kept in the outbox "
            "(`tenantry outbox list`, `GET /api/v1/realms/{realm}/outbox`)."
        ),
    )
    mail_from: str = Field(
        "Tenantry <no-reply@localhost>", min_length=3, description="The `From` address of every mail sent over SMTP."
    )
    smtp_timeout_seconds: float = Field(10.0, gt=0, description="How long one SMTP delivery may take before it fails.")
    outbox_retention_days: int = Field(
        30, ge=1, description="Days a message stays in the outbox before the next write deletes it."
    )
    customer_realm: str = Field(
        "customers",
        description="Realm that hosts the isolated organizations of onboarded customers (made on first use).",
    )
    provisioner: Literal["sqlite", "postgres", "command"] | None = Field(
        None,
        description=(
            "How a dedicated customer's data plane is made: `sqlite` (a file), `postgres` (a database and a login "
            "role), `command` (runs `provisioner_command`). Unset: `postgres` with a PostgreSQL control plane, "
            "else `sqlite`."
        ),
    )
    provisioner_command: str | None = Field(
        None,
        description=(
            "Infrastructure-as-code command for the `command` provisioner; gets JSON on stdin, prints JSON outputs "
            "(see docs/control-plane.md)."
        ),
    )
    onboarding_lease_seconds: int = Field(
        60,
        ge=1,
        description="How long a customer's lease outlives a crashed executor before a retry may take over.",
    )
    onboarding_halt_at: str | None = Field(
        None,
        description=(
            "Test hook: the pipeline kills its own process (SIGKILL) at this point, e.g. `provision_plane.inside` "
            "(docs/operating.md). Never set in production."
        ),
    )
    workflow_database_url: str | None = Field(
        None,
        description=(
            "System database of the durable workflows (DBOS). Unset: the control-plane database on PostgreSQL, "
            "`workflows.db` in `data_dir` on SQLite."
        ),
    )
    log_level: str = Field("info", description="Log level: debug, info, warning or error.")

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("master_key")
    @classmethod
    def _master_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not valid_master_key(value.get_secret_value()):
            raise ValueError("must be the urlsafe base64 encoding of 32 random bytes")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            SmtpServer.parse(value.get_secret_value())
        return value

    @field_validator("throttle_exempt_cidrs")
    @classmethod
    def _exempt_cidrs(cls, value: list[str]) -> list[str]:
        try:
            return [str(ipaddress.ip_network(item.strip(), strict=False)) for item in value]
        except ValueError as exc:
            raise ValueError(f"holds an invalid CIDR: {exc}") from exc

    @property
    def uses_postgres(self) -> bool:
        return bool(self.database_url and self.database_url.startswith(("postgresql", "postgres")))


def load_settings() -> Settings:
    return Settings()


def markdown_table() -> str:
    """The README's configuration table, generated from the field descriptions above."""
    rows = ["| Setting | Environment variable | Default | Description |", "|---|---|---|---|"]
    for name, info in Settings.model_fields.items():
        value = info.get_default(call_default_factory=True)
        shown = "unset" if value is None else f"`{json.dumps(value) if isinstance(value, dict | list) else value}`"
        description = (info.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{name}` | `TENANTRY_{name.upper()}` | {shown} | {description} |")
    return "\n".join(rows) + "\n"
