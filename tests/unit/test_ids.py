"""Ids are opaque, prefixed, time-sortable UUIDv7s (DESIGN.md section 8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantry.core.ids import _ALPHABET, ID_PATTERN, PREFIXES, has_prefix, new_id

MAX_MS = (1 << 48) - 1
NOW_MS = 1_750_000_000_000


def _decode(identifier: str) -> int:
    value = 0
    for char in identifier.partition("_")[2]:
        value = value * 32 + _ALPHABET.index(char)
    return value


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_ids_carry_their_prefix_and_26_base32_chars(prefix):
    identifier = new_id(prefix, NOW_MS)
    head, _, body = identifier.partition("_")
    assert head == prefix
    assert len(body) == 26
    assert set(body) <= set(_ALPHABET)
    assert ID_PATTERN.fullmatch(identifier)
    assert has_prefix(identifier, prefix)


def test_ids_refuse_an_unknown_prefix():
    with pytest.raises(ValueError, match="unknown id prefix"):
        new_id("xyz", NOW_MS)


def test_ids_are_uuidv7_underneath():
    value = _decode(new_id("usr", NOW_MS))
    assert value < 1 << 128
    assert value >> 80 == NOW_MS  # 48-bit millisecond timestamp
    assert (value >> 76) & 0xF == 7  # version 7
    assert (value >> 62) & 0b11 == 0b10  # RFC 9562 variant


@given(st.integers(0, MAX_MS - 1), st.integers(1, 10_000))
def test_ids_sort_by_creation_time_across_milliseconds(earlier, step):
    later = min(earlier + step, MAX_MS)
    assert new_id("org", earlier) < new_id("org", later)


def test_ids_sort_over_a_long_run_of_milliseconds():
    ids = [new_id("evt", NOW_MS + offset) for offset in range(0, 5_000, 7)]
    assert ids == sorted(ids)


def test_ids_are_unique_within_one_millisecond():
    ids = {new_id("usr", NOW_MS) for _ in range(20_000)}
    assert len(ids) == 20_000


def test_ids_has_prefix_is_strict():
    identifier = new_id("org", NOW_MS)
    assert not has_prefix(identifier, "usr")
    assert not has_prefix(identifier + "\n", "org")  # ``$`` alone would accept the newline
    assert not has_prefix(identifier.upper(), "org")
    assert not has_prefix(identifier[:-1], "org")
    assert not has_prefix("acme", "org")
    assert not has_prefix(identifier[:-1] + "u", "org")  # "u" is not in Crockford base32
