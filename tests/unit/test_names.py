"""Names, metadata and emails that users choose (SPEC B1, B7) and the domain names claims use (F2, F3)."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantry.core import names
from tenantry.core.errors import InvalidInput

NAME_CHARS = set(string.ascii_lowercase + string.digits + "_-")


def fullwidth(text: str) -> str:
    """The fullwidth forms of ASCII text (U+FF01..U+FF5E), which NFKC folds back to ASCII."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def _refused(call, *args, code):
    with pytest.raises(InvalidInput) as caught:
        call(*args)
    assert caught.value.code == code
    return caught.value


# --- B1: organization names -------------------------------------------------------------------


@given(st.from_regex(r"[a-z0-9_-]{1,50}", fullmatch=True))
def test_b1_organization_name_pattern_accepts_every_matching_name(value):
    assert names.organization_name(value) == value


@given(st.text(alphabet=st.sampled_from(sorted(NAME_CHARS) + list("AZ .é\n\t/@ÿ_-")), max_size=60) | st.text())
def test_b1_organization_name_pattern(value):
    """Accepted exactly when every character is in [a-z0-9_-] and the length is 1..50."""
    expected = 1 <= len(value) <= 50 and set(value) <= NAME_CHARS
    if expected:
        assert names.organization_name(value) == value
    else:
        _refused(names.organization_name, value, code="invalid_name")


@pytest.mark.parametrize(
    "value",
    ["", "Acme", "acme corp", "acme\n", "\nacme", "acme.io", "ácme", "a" * 51, "acme/../x", fullwidth("acme")],
)
def test_b1_organization_name_refuses(value):
    error = _refused(names.organization_name, value, code="invalid_name")
    assert error.details == {"name": value}


@pytest.mark.parametrize("value", ["a", "0", "-", "_", "acme-corp_2", "a" * 50])
def test_b1_organization_name_boundaries_accepted(value):
    assert names.organization_name(value) == value


@pytest.mark.parametrize("value", ["demo", "db", "a" * 63, "0-realm", "x_y"])
def test_slug_names_accepted(value):
    assert names.slug(value, "realm") == value


@pytest.mark.parametrize("value", ["", "-demo", "_demo", "Demo", "a" * 64, "demo\n", "de mo", "dé"])
def test_slug_names_refused(value):
    _refused(names.slug, value, "realm", code="invalid_name")


# --- B1: organization metadata ----------------------------------------------------------------


def test_b1_metadata_up_to_25_keys_of_255_chars():
    value = {f"k{i:02}": "v" * 255 for i in range(25)}
    assert names.organization_metadata(value) == value
    assert names.organization_metadata({}) == {}


def test_b1_metadata_26_keys_refused():
    _refused(names.organization_metadata, {f"k{i}": "v" for i in range(26)}, code="invalid_metadata")


def test_b1_metadata_value_over_255_chars_refused():
    _refused(names.organization_metadata, {"plan": "v" * 256}, code="invalid_metadata")


def test_b1_metadata_key_over_255_chars_refused():
    _refused(names.organization_metadata, {"k" * 256: "v"}, code="invalid_metadata")
    assert names.organization_metadata({"k" * 255: "v"}) == {"k" * 255: "v"}


@pytest.mark.parametrize("item", [1, None, True, ["a"], {"nested": "x"}])
def test_b1_metadata_values_must_be_strings(item):
    _refused(names.organization_metadata, {"key": item}, code="invalid_metadata")


def test_b1_metadata_keys_must_be_strings():
    _refused(names.organization_metadata, {1: "v"}, code="invalid_metadata")


def test_b1_metadata_is_copied():
    source = {"plan": "pro"}
    result = names.organization_metadata(source)
    result["plan"] = "free"
    assert source == {"plan": "pro"}


# --- B7: app_metadata / user_metadata -----------------------------------------------------------


def _object_of_bytes(size: int) -> dict[str, str]:
    overhead = len(json.dumps({"k": ""}, separators=(",", ":")).encode())
    return {"k": "x" * (size - overhead)}


def test_b7_metadata_of_16_kb_accepted():
    value = _object_of_bytes(16 * 1024)
    assert len(json.dumps(value, separators=(",", ":")).encode()) == 16 * 1024
    assert names.user_metadata(value, "app_metadata") is value


def test_b7_metadata_over_16_kb_refused():
    error = _refused(names.user_metadata, _object_of_bytes(16 * 1024 + 1), "user_metadata", code="invalid_metadata")
    assert error.details == {"field": "user_metadata"}


def test_b7_metadata_size_counts_utf8_bytes():
    # 6,000 characters of 3 bytes each: under 16 K characters, over 16 KB.
    _refused(names.user_metadata, {"name": "€" * 6000}, "user_metadata", code="invalid_metadata")
    assert names.user_metadata({"name": "€" * 5000}, "user_metadata")


def test_b7_metadata_nested_objects_accepted():
    value = {"flex": {"roles": ["agent", "supervisor"], "team": "blue"}}
    assert names.user_metadata(value, "app_metadata") == value


@pytest.mark.parametrize("value", [[], "text", 3, None])
def test_b7_metadata_must_be_an_object(value):
    _refused(names.user_metadata, value, "app_metadata", code="invalid_metadata")


@pytest.mark.parametrize("value", [{"when": object()}, {"ratio": float("nan")}])
def test_b7_metadata_must_be_json(value):
    _refused(names.user_metadata, value, "app_metadata", code="invalid_metadata")


# --- emails ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("alice@example.com", "alice@example.com"),
        ("Alice@Example.COM", "alice@example.com"),
        ("  alice@example.com\n", "alice@example.com"),
        ("alice@example.com.", "alice@example.com"),
        (fullwidth("alice") + "@" + fullwidth("example.com"), "alice@example.com"),  # NFKC folds fullwidth forms
        ("ﬁona@example.com", "fiona@example.com"),  # the "fi" ligature folds under NFKC
        ("jörg@bücher.de", "jörg@xn--bcher-kva.de"),  # Unicode local part kept, domain IDNA-encoded
        ("user@BÜCHER.de", "user@xn--bcher-kva.de"),
        ("user@例え.テスト", "user@xn--r8jz45g.xn--zckzah"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ],
)
def test_email_normalisation_nfkc_and_idna(raw, normalised):
    assert names.email(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "alice@@example.com",
        "a@b@example.com",
        "al ice@example.com",
        "alice@exa mple.com",
        "alice@localhost",
        "alice@127.0.0.1",
        "alice@-example.com",
        "alice@exa_mple.com",
        "alice@example..com",
        "l" * 65 + "@example.com",
        "alice@example.com\nbob@example.com",
    ],
)
def test_email_refuses_junk(raw):
    _refused(names.email, raw, code="invalid_email")


@given(
    st.from_regex(r"[a-zA-Z0-9._+-]{1,20}", fullmatch=True),
    st.from_regex(r"[a-zA-Z0-9]{1,10}(\.[a-zA-Z0-9]{1,10}){0,2}\.[a-zA-Z]{2,6}", fullmatch=True),
)
def test_email_normalisation_is_idempotent(local, domain):
    once = names.email(f"{local}@{domain}")
    assert names.email(once) == once
    assert once == once.lower()
    assert once.rpartition("@")[2] == domain.lower()


def test_email_domain_is_the_part_after_the_last_at():
    assert names.email_domain("alice@example.com") == "example.com"


# --- domain names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("example.com", "example.com"),
        ("Example.COM.", "example.com"),
        ("  sub.example.co.uk ", "sub.example.co.uk"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        (fullwidth("EXAMPLE") + "\N{IDEOGRAPHIC FULL STOP}com", "example.com"),
        ("a-b.example", "a-b.example"),
        ("123.example", "123.example"),
        ("a" * 63 + ".com", "a" * 63 + ".com"),
    ],
)
def test_domain_name_normalises(raw, normalised):
    assert names.domain_name(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        ".",
        "com",
        "localhost",
        "127.0.0.1",
        "10.0.0.1.",
        "::1",
        "[::1]",
        "example.com:443",
        "https://example.com",
        "example.com/path",
        "user@example.com",
        "*.example.com",
        "_tenantry.example.com",
        "exa_mple.com",
        "-example.com",
        "example-.com",
        "example..com",
        ".example.com",
        "exa mple.com",
        "example.com\x00.evil.com",
        "a" * 64 + ".com",
        ".".join(["a" * 63] * 4) + ".com",
        "xn--zz.com",
        "xn--.com",
        "example.123",
    ],
)
def test_domain_name_refuses_junk(raw):
    _refused(names.domain_name, raw, code="invalid_domain")


@given(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]{1,10}){0,2}\.[a-z]{2,8}", fullmatch=True))
def test_domain_name_is_a_fixed_point(domain):
    assert names.domain_name(domain) == domain
    assert names.domain_name(names.domain_name(domain.upper() + ".")) == domain


def test_b1_names_shaped_like_ids_are_refused():
    """Paths accept a name or an id; a name that parses as an id could never be reached by name."""
    lookalike = "org_" + "0" * 26
    with pytest.raises(InvalidInput) as refused:
        names.organization_name(lookalike)
    assert refused.value.code == "invalid_name"
    with pytest.raises(InvalidInput):
        names.slug("rlm_" + "a" * 26, "realm")
    assert names.organization_name("org_team") == "org_team"
