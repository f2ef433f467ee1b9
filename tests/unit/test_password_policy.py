"""The database connection's password policy (SPEC D9, ASVS 6.2)."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import ValidationError

from tenantry.core.connection import PasswordPolicy
from tenantry.core.errors import InvalidInput

COMMON = frozenset({"password", "password123", "qwertyuiop", "iloveyou1"})
BREACHED_PASSWORD = "Tr0ub4dor&3-leaked"
BREACHED = frozenset({hashlib.sha1(BREACHED_PASSWORD.encode()).hexdigest()})
LONG_UNICODE = "Ünïcödé pässwörd / 日本語のパスワード / пароль / كلمة السر / 🐎🔋📎 correct horse battery"


def _reasons(policy: PasswordPolicy, password: str) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        policy.check(password, COMMON, BREACHED)
    assert caught.value.code == "weak_password"
    assert password not in str(caught.value.details)  # the refusal never echoes the password
    return caught.value.details["reasons"]


# --- bounds -----------------------------------------------------------------------------------


def test_d9_defaults_min_8_max_at_least_64():
    policy = PasswordPolicy()
    assert policy.min_length == 8
    assert policy.max_length >= 64
    assert policy.reject_common and policy.reject_breached


@pytest.mark.parametrize("min_length", [0, 1, 7])
def test_d9_min_length_below_8_refused(min_length):
    with pytest.raises(ValidationError):
        PasswordPolicy(min_length=min_length)


@pytest.mark.parametrize("max_length", [8, 32, 63])
def test_d9_max_length_below_64_refused(max_length):
    with pytest.raises(ValidationError):
        PasswordPolicy(max_length=max_length)


def test_d9_max_length_below_min_length_refused():
    with pytest.raises(ValidationError, match="max_length"):
        PasswordPolicy(min_length=100, max_length=64)


@pytest.mark.parametrize(("min_length", "max_length"), [(8, 64), (12, 128), (64, 64), (128, 1024)])
def test_d9_policy_bounds_accepted(min_length, max_length):
    policy = PasswordPolicy(min_length=min_length, max_length=max_length)
    assert (policy.min_length, policy.max_length) == (min_length, max_length)


def test_d9_policy_refuses_unknown_settings_such_as_composition_rules():
    with pytest.raises(ValidationError):
        PasswordPolicy(require_uppercase=True)  # type: ignore[call-arg]


# --- check ------------------------------------------------------------------------------------


def test_d9_min_length_8():
    policy = PasswordPolicy()
    assert _reasons(policy, "seven77") == ["too_short"]
    policy.check("eight888", COMMON, BREACHED)


def test_d9_longer_min_length_of_another_connection():
    strict = PasswordPolicy(min_length=14)
    assert _reasons(strict, "thirteen-char") == ["too_short"]
    PasswordPolicy().check("thirteen-char", COMMON, BREACHED)  # two connections, two policies


def test_d9_max_length():
    policy = PasswordPolicy(max_length=64)
    policy.check("x" * 64, COMMON, BREACHED)
    assert _reasons(policy, "x" * 65) == ["too_long"]


def test_d9_no_composition_rules():
    policy = PasswordPolicy()
    for password in ["alllowercaseletters", "ALLUPPERCASE", "1234567890123", "        spaces only?"]:
        policy.check(password, COMMON, BREACHED)


@pytest.mark.parametrize("password", ["password123", "Password123", "QWERTYUIOP", "iloveyou1"])
def test_d9_common_passwords_refused(password):
    assert _reasons(PasswordPolicy(), password) == ["too_common"]


def test_d9_breached_passwords_refused():
    assert _reasons(PasswordPolicy(), BREACHED_PASSWORD) == ["breached"]
    # the breached list holds exact digests: another spelling is not the breached password
    PasswordPolicy().check(BREACHED_PASSWORD.upper(), COMMON, BREACHED)


def test_d9_common_and_breached_checks_can_be_switched_off():
    lenient = PasswordPolicy(reject_common=False, reject_breached=False)
    lenient.check("password123", COMMON, BREACHED)
    lenient.check(BREACHED_PASSWORD, COMMON, BREACHED)


def test_d9_every_broken_rule_is_named():
    short_common = frozenset({"abc"})
    with pytest.raises(InvalidInput) as caught:
        PasswordPolicy().check("abc", short_common, {hashlib.sha1(b"abc").hexdigest()})
    assert caught.value.details["reasons"] == ["too_short", "too_common", "breached"]
    assert caught.value.details["min_length"] == 8


def test_d9_64_plus_char_unicode_password_accepted_as_typed():
    assert len(LONG_UNICODE) >= 64
    PasswordPolicy(max_length=128).check(LONG_UNICODE, COMMON, BREACHED)


def test_d9_length_counts_characters_not_bytes():
    emoji = "🐎" * 64  # 256 bytes in UTF-8
    PasswordPolicy(max_length=64).check(emoji, COMMON, BREACHED)
    PasswordPolicy().check("🔋" * 8, COMMON, BREACHED)
    assert _reasons(PasswordPolicy(), "🔋" * 7) == ["too_short"]


def test_d9_password_is_checked_as_typed_without_normalisation():
    # Fullwidth "password123" is a different password, not the common one (no NFKC folding or trimming).
    fullwidth = "".join(chr(ord(char) + 0xFEE0) for char in "password123")
    PasswordPolicy().check(fullwidth, COMMON, BREACHED)
    PasswordPolicy().check(" password123 ", COMMON, BREACHED)
