"""Validation of the names, metadata and emails that users choose (SPEC B1, B7)."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from .errors import InvalidInput

ORGANIZATION_NAME = re.compile(r"^[a-z0-9_-]{1,50}$")
SLUG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}$")
MAX_METADATA_KEYS = 25
MAX_METADATA_VALUE = 255
MAX_USER_METADATA_BYTES = 16 * 1024


def organization_name(value: str) -> str:
    """SPEC B1: ``^[a-z0-9_-]{1,50}$``."""
    if not ORGANIZATION_NAME.match(value):
        raise InvalidInput(
            "organization name must match ^[a-z0-9_-]{1,50}$", code="invalid_name", details={"name": value}
        )
    return value


def slug(value: str, what: str) -> str:
    """Realm, connection, role and application names: lowercase slugs, at most 63 characters."""
    if not SLUG_NAME.match(value):
        raise InvalidInput(
            f"{what} name must match ^[a-z0-9][a-z0-9_-]{{0,62}}$", code="invalid_name", details={"name": value}
        )
    return value


def organization_metadata(value: dict[str, Any]) -> dict[str, str]:
    """SPEC B1: at most 25 keys, string values of at most 255 characters."""
    if len(value) > MAX_METADATA_KEYS:
        raise InvalidInput("metadata has more than 25 keys", code="invalid_metadata")
    for key, item in value.items():
        if not isinstance(item, str) or len(item) > MAX_METADATA_VALUE or len(key) > MAX_METADATA_VALUE:
            raise InvalidInput(
                "metadata keys and values are strings of at most 255 characters",
                code="invalid_metadata",
                details={"key": key[:64]},
            )
    return dict(value)


def user_metadata(value: dict[str, Any], field: str) -> dict[str, Any]:
    """SPEC B7: ``app_metadata`` and ``user_metadata`` are JSON objects of at most 16 KB."""
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_USER_METADATA_BYTES:
        raise InvalidInput(f"{field} is larger than 16 KB", code="invalid_metadata", details={"field": field})
    return value


def email(value: str) -> str:
    """Normalise an email for comparison: NFKC, trimmed, lower-cased domain and local part."""
    normalised = unicodedata.normalize("NFKC", value).strip()
    if not _EMAIL.match(normalised) or len(normalised) > 320:
        raise InvalidInput("not a valid email address", code="invalid_email")
    local, _, domain_part = normalised.rpartition("@")
    return f"{local.lower()}@{domain_name(domain_part)}"


def domain_name(value: str) -> str:
    """Lower-case, IDNA-encoded domain without a trailing dot; refuse anything that is not a hostname."""
    text = value.strip().rstrip(".").lower()
    try:
        ascii_name = text.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidInput("not a valid domain name", code="invalid_domain") from exc
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253:
        raise InvalidInput("not a valid domain name", code="invalid_domain")
    for label in labels:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", label):
            raise InvalidInput("not a valid domain name", code="invalid_domain")
    return ascii_name


def email_domain(address: str) -> str:
    return address.rpartition("@")[2]
