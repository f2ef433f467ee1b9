"""Evaluating the login policy (SPEC D8) and TOTP steps on server time (HOSTILE 66): pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from tenantry.core.factor import new_recovery_codes, normalise_recovery_code, recovery_code_digest
from tenantry.core.policy import Policy
from tenantry.services import totp
from tenantry.tenancy.login_policy import (
    connection_allowed,
    effective,
    enrollable_factors,
    ip_allowed,
    password_refused,
)

ALLOW = Policy(ip_allowlist=["10.0.0.0/8", "2001:db8::/32"])


@pytest.mark.parametrize(
    ("ip", "allowed"),
    [
        ("10.1.2.3", True),
        ("::ffff:10.1.2.3", True),  # IPv4-mapped IPv6 counts as IPv4
        ("2001:db8:1::5", True),
        ("11.0.0.1", False),
        ("2001:db9::1", False),
        ("unknown", False),
        ("", False),
    ],
)
def test_d8_ip_allowlist_covers_ipv4_and_ipv6(ip, allowed):
    assert ip_allowed(ALLOW, ip) is allowed


def test_d8_no_allowlist_admits_all_and_an_empty_one_admits_none():
    assert ip_allowed(Policy(), "203.0.113.9")
    assert not ip_allowed(Policy(ip_allowlist=[]), "10.0.0.1")


def test_d8_the_effective_policy_is_the_stricter_of_realm_and_organization():
    merged = effective(Policy(ip_allowlist=["10.0.0.0/8"]), Policy(ip_allowlist=["10.1.0.0/16"], mfa_required=True))
    assert merged.mfa_required and not ip_allowed(merged, "10.2.0.1") and ip_allowed(merged, "10.1.0.1")


def test_d8_allowed_connections_by_id_or_name_and_sso_only_by_verified_domain():
    policy = Policy(allowed_connections=["partners", "con_x"], sso_only_for_verified_domains=True)
    assert connection_allowed(policy, "con_x", "other") and connection_allowed(policy, "con_y", "partners")
    assert not connection_allowed(policy, "con_y", "members")
    assert password_refused(policy, "Ann@Acme.example", ["acme.example"])
    assert not password_refused(policy, "ann@elsewhere.example", ["acme.example"])
    assert not password_refused(Policy(), "ann@acme.example", ["acme.example"])


def test_d8_enrollable_factors_follow_allowed_factors():
    assert enrollable_factors(Policy()) == ["totp", "webauthn"]
    assert enrollable_factors(Policy(allowed_factors=["webauthn", "recovery_code"])) == ["webauthn"]
    assert enrollable_factors(Policy(allowed_factors=["recovery_code"])) == []


def test_hostile_66_totp_steps_come_from_the_server_clock_with_one_step_of_drift():
    secret = totp.new_secret()
    now = datetime(2026, 5, 1, 12, 0, 10, tzinfo=UTC)
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        code = pyotp.TOTP(secret).at(now + timedelta(seconds=30 * offset))
        assert totp.matching_step(secret, code, now) == step + offset
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(now + timedelta(minutes=4)), now) is None
    assert totp.matching_step(secret, "12345", now) is None and totp.matching_step(secret, "abcdef", now) is None


def test_s9_recovery_codes_are_random_and_compared_without_case_or_dashes():
    codes = new_recovery_codes()
    assert len(set(codes)) == 10 and all(len(normalise_recovery_code(code)) == 16 for code in codes)
    assert recovery_code_digest("usr_a", codes[0].upper().replace("-", " ")) == recovery_code_digest("usr_a", codes[0])
    assert recovery_code_digest("usr_a", codes[0]) != recovery_code_digest("usr_b", codes[0])
