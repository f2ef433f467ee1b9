"""Connections: a user pool plus how its users authenticate; identifiers are unique per connection."""

from __future__ import annotations

import hashlib
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import InvalidInput

ConnectionKind = Literal["database", "oidc", "saml"]


class PasswordPolicy(BaseModel):
    """SPEC D9 (ASVS 6.2): length bounds, no composition rules, common and breached passwords refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_length: int = Field(8, ge=8, le=128)
    max_length: int = Field(128, ge=64, le=1024)
    reject_common: bool = True
    reject_breached: bool = True

    @model_validator(mode="after")
    def _bounds(self) -> PasswordPolicy:
        if self.max_length < self.min_length:
            raise ValueError("max_length must not be below min_length")
        return self

    def check(self, password: str, common: Container[str], breached_sha1: Container[str]) -> None:
        """Raise ``weak_password`` naming every rule the password breaks. Length counts characters."""
        reasons = []
        if len(password) < self.min_length:
            reasons.append("too_short")
        if len(password) > self.max_length:
            reasons.append("too_long")
        if self.reject_common and password.lower() in common:
            reasons.append("too_common")
        if self.reject_breached and hashlib.sha1(password.encode()).hexdigest() in breached_sha1:  # noqa: S324
            reasons.append("breached")
        if reasons:
            raise InvalidInput(
                "the password does not meet the connection's policy",
                code="weak_password",
                details={"reasons": reasons, "min_length": self.min_length, "max_length": self.max_length},
            )


class ConnectionOptions(BaseModel):
    """Switches kept in a connection's ``options`` JSON; unknown keys and non-boolean flags are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    signup_enabled: bool = Field(False, description="The hosted login offers sign-up into this database connection.")
    scim_authoritative: bool = Field(
        False, description="H9: SCIM is the source of truth; logins by users SCIM never created are refused."
    )

    @classmethod
    def stored(cls, options: Mapping[str, object]) -> ConnectionOptions:
        """The known options of a stored ``options`` object, defaults for the rest."""
        return cls.model_validate({key: value for key, value in options.items() if key in cls.model_fields})


@dataclass(slots=True)
class Connection:
    id: str
    realm_id: str
    name: str
    kind: ConnectionKind
    data_plane_id: str
    created_at: datetime
    organization_id: str | None = None
    """Set when an isolated organization owns the connection; its users belong to that organization only."""
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    options: dict[str, object] = field(default_factory=dict)
    upstream: dict[str, Any] = field(default_factory=dict)
    """An enterprise connection's IdP and attribute mapping (``core.federation.Upstream``); empty for ``database``."""

    @property
    def enterprise(self) -> bool:
        """Users of ``oidc`` and ``saml`` connections authenticate at an upstream IdP (D6, G6)."""
        return self.kind in ("oidc", "saml")

    @property
    def signup_enabled(self) -> bool:
        """Sign-up exists only for password (database) connections, and only when switched on."""
        return self.kind == "database" and self.options.get("signup_enabled") is True

    @property
    def scim_authoritative(self) -> bool:
        return self.options.get("scim_authoritative") is True

    @property
    def scim_group_roles(self) -> dict[str, list[str]]:
        """H8: SCIM group display name → organization roles, kept beside the switches in ``options``."""
        mapping = self.options.get("scim_group_roles")
        return {str(k): [str(r) for r in v] for k, v in mapping.items()} if isinstance(mapping, dict) else {}

    def set_options(self, changes: Mapping[str, object]) -> None:
        """Merge validated option changes; sign-up needs a database connection."""
        sent = ConnectionOptions.model_validate(changes).model_dump(exclude_unset=True)
        if sent.get("signup_enabled") and self.kind != "database":
            raise InvalidInput("sign-up is only available for database connections", code="invalid_connection_options")
        self.options = {**self.options, **sent}
