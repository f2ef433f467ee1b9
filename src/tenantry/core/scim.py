"""SCIM 2.0 provisioning: tokens, what SCIM knows of a provisioned user, and SCIM groups (SPEC H1-H9).

A provisioned user is an ordinary ``User`` of the token's connection plus a ``ScimRecord`` that keeps
the SCIM representation (userName, externalId, every other attribute) and its version for ETags.
Groups live in the data plane beside the users they hold.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import names
from .errors import InvalidInput


def identifier_key(value: str) -> str:
    """The form uniqueness and filters compare: NFKC, then case-folded (HOSTILE 37)."""
    return unicodedata.normalize("NFKC", value).casefold()


@dataclass(slots=True)
class ScimToken:
    """A bearer token that decides realm, connection and organization; stored as a SHA-256 digest only."""

    id: str
    realm_id: str
    connection_id: str
    name: str
    token_hash: str
    created_at: datetime
    organization_id: str | None = None
    revoked_at: datetime | None = None


@dataclass(slots=True, frozen=True)
class ScimEmail:
    value: str
    type: str | None = None
    primary: bool = False


@dataclass(slots=True)
class ScimRecord:
    """The SCIM side of a provisioned user; ``attributes`` holds the resource minus id, meta, active and groups."""

    user_id: str
    realm_id: str
    connection_id: str
    user_name: str
    version: int
    external_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    emails: list[ScimEmail] = field(default_factory=list)

    @property
    def user_name_key(self) -> str:
        return identifier_key(self.user_name)


@dataclass(slots=True)
class ScimGroup:
    id: str
    realm_id: str
    connection_id: str
    display_name: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    external_id: str | None = None
    member_ids: list[str] = field(default_factory=list)
    displays: dict[str, str] = field(default_factory=dict)
    """The ``display`` the IdP sent for a member, by user id."""

    @property
    def display_name_key(self) -> str:
        return identifier_key(self.display_name)


def login_identifier(user_name: str, emails: list[ScimEmail]) -> str:
    """The identifier a provisioned user has in its connection: its primary email, else its userName.

    Identifiers are unique per connection, so two SCIM users cannot share one (409 ``uniqueness``).
    """
    chosen = next((email for email in emails if email.primary), emails[0] if emails else None)
    candidate = chosen.value if chosen is not None else user_name
    try:
        return names.email(candidate)
    except InvalidInput:
        if chosen is not None:
            raise InvalidInput("an email value is not an email address", code="invalid_email") from None
        return identifier_key(user_name)


def group_roles(mapping: dict[str, list[str]], group_names: list[str]) -> list[str]:
    """H8: the organization roles a user's groups give, through the connection's mapping (names compared as keys)."""
    keyed = {identifier_key(name): roles for name, roles in mapping.items()}
    return sorted({role for name in group_names for role in keyed.get(identifier_key(name), [])})
