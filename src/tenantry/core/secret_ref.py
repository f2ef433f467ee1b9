"""Secret references (SPEC L1): a ``*_ref`` field names a secret in a secret store, never holds one.

A reference is ``<scheme>:<path>``. ``tenantry-secret`` is the embedded store (sealed under the
master key); ``vault``, ``aws-sm``, ``gcp-sm`` and ``azure-kv`` name external managers, so an
operator's infrastructure may keep the secret where it already lives. A value that looks like a
secret itself (a DSN with a password, a PEM key, a token) is refused before anything is written.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from .errors import InvalidInput

SCHEMES = ("tenantry-secret", "vault", "aws-sm", "gcp-sm", "azure-kv")
EMBEDDED = "tenantry-secret"
_REFERENCE = re.compile(r"^(?P<scheme>[a-z][a-z0-9-]*):(?P<path>[A-Za-z0-9_./@-]{1,200})$")
_DSN_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@", re.IGNORECASE)
_TOKEN_PREFIXES = ("tnt_", "sk_", "ghp_", "gho_", "xox", "AKIA", "ASIA", "eyJ")


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_like_secret(value: str) -> bool:
    """A DSN carrying a password, a PEM block, a known token prefix, or a long high-entropy string."""
    if _DSN_PASSWORD.match(value) or "-----BEGIN" in value or value.startswith(_TOKEN_PREFIXES):
        return True
    compact = value.split(":", 1)[-1]
    return len(compact) >= 24 and "/" not in compact and _entropy(compact) > 4.0


def check(field: str, value: str) -> str:
    """The reference unchanged, or a 400 that never echoes the value (it may be a secret)."""
    if looks_like_secret(value):
        raise InvalidInput(
            f"{field} must be a secret reference, not a secret", code="raw_secret", details={"field": field}
        )
    match = _REFERENCE.fullmatch(value)
    if match is None or match["scheme"] not in SCHEMES:
        raise InvalidInput(
            f"{field} must be a reference such as tenantry-secret:planes/acme/dsn",
            code="invalid_secret_ref",
            details={"field": field, "schemes": list(SCHEMES)},
        )
    return value


def embedded(path: str) -> str:
    return f"{EMBEDDED}:{path}"
