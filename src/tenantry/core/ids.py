"""Opaque, prefixed, time-sortable identifiers (DESIGN.md section 8).

A UUIDv7 layout (48-bit millisecond time, version and variant bits, 74 random bits) rendered in
Crockford base32 after a typed prefix, so ids sort by creation time and say what they name.
Written here because the standard library of Python 3.11 has no UUIDv7 and the id must take its
time from the Clock port, not from the wall clock.
"""

from __future__ import annotations

import re
import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
PREFIXES = frozenset(
    {
        "rlm",
        "org",
        "usr",
        "con",
        "app",
        "inv",
        "cus",
        "pln",
        "rol",
        "dom",
        "tok",
        "idn",
        "evt",
        "ses",
        "key",
        "hok",
        "msg",
        "mfa",
        "grp",
        "sct",
    }
)
ID_PATTERN = re.compile(r"^(?P<prefix>[a-z]{3})_(?P<body>[0-9a-hjkmnp-tv-z]{26})$")
"""Use with ``fullmatch``: ``$`` alone would also accept a trailing newline."""


def new_id(prefix: str, now_ms: int) -> str:
    """Return ``{prefix}_{26 base32 chars}`` for a UUIDv7 made at ``now_ms``."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    rand = secrets.randbits(74)
    value = (now_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= (rand >> 62) << 64  # 12 random bits
    value |= 0b10 << 62  # RFC 9562 variant
    value |= rand & ((1 << 62) - 1)
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def has_prefix(value: str, prefix: str) -> bool:
    match = ID_PATTERN.fullmatch(value)
    return bool(match and match.group("prefix") == prefix)
