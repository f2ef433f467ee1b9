"""Validation of the names, metadata and emails that users choose (SPEC B1, B7)."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from .errors import InvalidInput
from .ids import ID_PATTERN

ORGANIZATION_NAME = re.compile(r"^[a-z0-9_-]{1,50}$")
SLUG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}$")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
MAX_METADATA_KEYS = 25
MAX_METADATA_VALUE = 255
MAX_USER_METADATA_BYTES = 16 * 1024


def organization_name(value: str) -> str:
    """SPEC B1: ``^[a-z0-9_-]{1,50}$`` (matched in full: a trailing newline is not allowed either)."""
    if not isinstance(value, str) or not ORGANIZATION_NAME.fullmatch(value):
        raise InvalidInput(
            "organization name must match ^[a-z0-9_-]{1,50}$", code="invalid_name", details={"name": value}
        )
    return _not_an_id(value)


def slug(value: str, what: str) -> str:
    """Realm, connection, role and application names: lowercase slugs, at most 63 characters."""
    if not isinstance(value, str) or not SLUG_NAME.fullmatch(value):
        raise InvalidInput(
            f"{what} name must match ^[a-z0-9][a-z0-9_-]{{0,62}}$", code="invalid_name", details={"name": value}
        )
    return _not_an_id(value)


def _not_an_id(value: str) -> str:
    """API paths take a name or an id, so a name shaped like an id would be unreachable by name."""
    if ID_PATTERN.fullmatch(value):
        raise InvalidInput("a name cannot look like an id", code="invalid_name", details={"name": value})
    return value


def organization_metadata(value: dict[str, Any]) -> dict[str, str]:
    """SPEC B1: at most 25 keys, string values of at most 255 characters."""
    if len(value) > MAX_METADATA_KEYS:
        raise InvalidInput("metadata has more than 25 keys", code="invalid_metadata")
    for key, item in value.items():
        if (
            not isinstance(key, str)
            or not isinstance(item, str)
            or len(item) > MAX_METADATA_VALUE
            or len(key) > MAX_METADATA_VALUE
        ):
            raise InvalidInput(
                "metadata keys and values are strings of at most 255 characters",
                code="invalid_metadata",
                details={"key": str(key)[:64]},
            )
    return dict(value)


def user_metadata(value: dict[str, Any], field: str) -> dict[str, Any]:
    """SPEC B7: ``app_metadata`` and ``user_metadata`` are JSON objects of at most 16 KB."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object", code="invalid_metadata", details={"field": field})
    try:
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{field} is not JSON", code="invalid_metadata", details={"field": field}) from exc
    if size > MAX_USER_METADATA_BYTES:
        raise InvalidInput(f"{field} is larger than 16 KB", code="invalid_metadata", details={"field": field})
    return value


def email(value: str) -> str:
    """Normalise an email for comparison: NFKC, trimmed, lower-cased domain and local part."""
    normalised = unicodedata.normalize("NFKC", value).strip()
    if not _EMAIL.fullmatch(normalised) or len(normalised) > 320:
        raise InvalidInput("not a valid email address", code="invalid_email")
    local, _, domain_part = normalised.rpartition("@")
    try:
        domain = domain_name(domain_part)
    except InvalidInput as exc:
        raise InvalidInput("not a valid email address", code="invalid_email") from exc
    return f"{local.lower()}@{domain}"


def domain_name(value: str) -> str:
    """Lower-case, IDNA-encoded domain without a trailing dot; refuse anything that is not a hostname.

    Also refused: IP addresses and other all-numeric top-level labels, and ``xn--`` labels that
    are not valid punycode (the name must survive an IDNA round trip).
    """
    if not isinstance(value, str):
        raise InvalidInput("not a valid domain name", code="invalid_domain")
    text = value.strip().rstrip(".").lower()
    try:
        ascii_name = text.encode("idna").decode("ascii")
        ascii_name.encode("ascii").decode("idna")
    except UnicodeError as exc:
        raise InvalidInput("not a valid domain name", code="invalid_domain") from exc
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253 or labels[-1].isdigit():
        raise InvalidInput("not a valid domain name", code="invalid_domain")
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise InvalidInput("not a valid domain name", code="invalid_domain")
    return ascii_name


def email_domain(address: str) -> str:
    return address.rpartition("@")[2]
