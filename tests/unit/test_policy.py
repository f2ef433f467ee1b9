"""Per-organization policy (SPEC D8): only ever stricter than the realm's; the effective policy is the stricter."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tenantry.core.errors import InvalidInput
from tenantry.core.policy import Policy, ensure_stricter, merge

REALM = Policy(
    mfa_required=True,
    allowed_factors=["totp", "webauthn"],
    allowed_connections=["db", "okta"],
    session_idle_minutes=60,
    session_absolute_minutes=720,
    ip_allowlist=["10.0.0.0/8", "2001:db8::/32"],
    sso_only_for_verified_domains=True,
)


def _relaxations(org: Policy, realm: Policy = REALM) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        ensure_stricter(org, realm)
    assert caught.value.code == "policy_not_stricter"
    return caught.value.details["fields"]


# --- ensure_stricter: every relaxation refused ------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mfa_required", False),
        ("sso_only_for_verified_domains", False),
        ("allowed_factors", ["totp", "webauthn", "recovery_code"]),
        ("allowed_factors", ["recovery_code"]),
        ("allowed_connections", ["db", "okta", "google"]),
        ("allowed_connections", ["google"]),
        ("session_idle_minutes", 61),
        ("session_absolute_minutes", 721),
        ("ip_allowlist", ["0.0.0.0/0"]),
        ("ip_allowlist", ["10.0.0.0/7"]),
        ("ip_allowlist", ["10.0.0.0/8", "192.168.0.0/16"]),
        ("ip_allowlist", ["2001:db8::/31"]),
        ("ip_allowlist", ["::/0"]),
    ],
)
def test_d8_ensure_stricter_refuses_each_relaxation(field, value):
    assert _relaxations(Policy(**{field: value})) == [field]


@pytest.mark.parametrize(
    ("field", "realm_value", "org_value"),
    [
        ("allowed_factors", ["totp"], ["webauthn"]),
        ("allowed_connections", ["db"], ["okta"]),
        ("session_idle_minutes", 30, 31),
        ("session_absolute_minutes", 60, 525_600),
        ("ip_allowlist", ["192.168.1.0/24"], ["192.168.0.0/16"]),
        ("ip_allowlist", ["192.168.1.0/24"], ["2001:db8::/32"]),  # another address family is not narrower
    ],
)
def test_d8_ensure_stricter_refuses_relaxation_of_a_single_realm_setting(field, realm_value, org_value):
    assert _relaxations(Policy(**{field: org_value}), Policy(**{field: realm_value})) == [field]


def test_d8_ensure_stricter_names_every_relaxed_setting():
    org = Policy(
        mfa_required=False,
        allowed_factors=["recovery_code"],
        allowed_connections=["google"],
        session_idle_minutes=120,
        session_absolute_minutes=1440,
        ip_allowlist=["0.0.0.0/0"],
        sso_only_for_verified_domains=False,
    )
    assert sorted(_relaxations(org)) == sorted(
        [
            "mfa_required",
            "sso_only_for_verified_domains",
            "allowed_factors",
            "allowed_connections",
            "session_idle_minutes",
            "session_absolute_minutes",
            "ip_allowlist",
        ]
    )


# --- ensure_stricter: stricter and equal values accepted --------------------------------------


@pytest.mark.parametrize(
    "org",
    [
        Policy(),  # inherit everything
        REALM,  # equal is not a relaxation
        Policy(mfa_required=True),
        Policy(sso_only_for_verified_domains=True),
        Policy(allowed_factors=["webauthn"]),
        Policy(allowed_factors=[]),
        Policy(allowed_connections=["okta"]),
        Policy(session_idle_minutes=1),
        Policy(session_absolute_minutes=60),
        Policy(ip_allowlist=["10.1.0.0/16"]),
        Policy(ip_allowlist=["10.1.2.3/32", "2001:db8:1::/48"]),
        Policy(ip_allowlist=[]),
    ],
)
def test_d8_ensure_stricter_accepts_stricter_values(org):
    ensure_stricter(org, REALM)


@pytest.mark.parametrize(
    "org",
    [
        Policy(mfa_required=True),
        Policy(mfa_required=False),  # realm does not require MFA: nothing to relax
        Policy(allowed_factors=["totp", "webauthn", "recovery_code"]),
        Policy(session_idle_minutes=525_600),
        Policy(ip_allowlist=["0.0.0.0/0", "::/0"]),
        Policy(sso_only_for_verified_domains=False),
    ],
)
def test_d8_an_open_realm_accepts_any_org_policy(org):
    ensure_stricter(org, Policy())


# --- merge: the stricter of each setting ------------------------------------------------------


def test_d8_merge_takes_the_stricter_of_each_setting():
    realm = Policy(
        mfa_required=False,
        allowed_factors=["totp", "webauthn"],
        allowed_connections=["db", "okta"],
        session_idle_minutes=30,
        session_absolute_minutes=720,
        ip_allowlist=["10.0.0.0/8"],
        sso_only_for_verified_domains=True,
    )
    org = Policy(
        mfa_required=True,
        allowed_factors=["webauthn", "recovery_code"],
        allowed_connections=["okta"],
        session_idle_minutes=60,  # configured before the realm was tightened to 30
        session_absolute_minutes=120,
        ip_allowlist=["10.1.0.0/16", "192.168.0.0/16"],
        sso_only_for_verified_domains=False,
    )
    effective = merge(realm, org)
    assert effective.mfa_required is True
    assert effective.allowed_factors == ["webauthn"]
    assert effective.allowed_connections == ["okta"]
    assert effective.session_idle_minutes == 30
    assert effective.session_absolute_minutes == 120
    assert effective.ip_allowlist == ["10.1.0.0/16"]
    assert effective.sso_only_for_verified_domains is True


def test_d8_merge_inherits_what_the_org_leaves_open():
    assert merge(REALM, Policy()) == REALM
    assert merge(Policy(), REALM) == REALM
    assert merge(Policy(), Policy()) == Policy()


def test_d8_merge_ip_allowlist_tightened_realm_wins():
    """A realm allowlist added after the org chose its own never lets the org's other addresses in."""
    effective = merge(Policy(ip_allowlist=["10.0.0.0/8"]), Policy(ip_allowlist=["192.168.0.0/16"]))
    assert effective.ip_allowlist == []  # disjoint: no address is admitted by both
    effective = merge(Policy(ip_allowlist=["10.1.0.0/16"]), Policy(ip_allowlist=["10.0.0.0/8"]))
    assert effective.ip_allowlist == ["10.1.0.0/16"]


factors = st.lists(st.sampled_from(["totp", "webauthn", "recovery_code"]), unique=True)
connections = st.lists(st.sampled_from(["db", "okta", "google", "saml"]), unique=True)
minutes = st.integers(1, 525_600)
v4_networks = st.builds(
    lambda address, prefix: str(ipaddress.ip_network(f"{ipaddress.IPv4Address(address)}/{prefix}", strict=False)),
    st.sampled_from([0x0A000000, 0x0A010000, 0x0A010200, 0xC0A80000, 0xC0A80100, 0]),
    st.sampled_from([0, 8, 16, 24, 32]),
)
v6_networks = st.sampled_from(["::/0", "2001:db8::/32", "2001:db8:1::/48", "fd00::/8"])
allowlists = st.lists(v4_networks | v6_networks, max_size=4)
policies = st.builds(
    Policy,
    mfa_required=st.none() | st.booleans(),
    allowed_factors=st.none() | factors,
    allowed_connections=st.none() | connections,
    session_idle_minutes=st.none() | minutes,
    session_absolute_minutes=st.none() | minutes,
    ip_allowlist=st.none() | allowlists,
    sso_only_for_verified_domains=st.none() | st.booleans(),
)


@given(policies, policies)
def test_d8_merge_is_never_looser_than_either_side(realm, org):
    effective = merge(realm, org)
    ensure_stricter(effective, realm)
    ensure_stricter(effective, org)


def _admits(allowlist: list[str] | None, address: str) -> bool:
    if allowlist is None:
        return True
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(item) for item in allowlist)


addresses = st.sampled_from(
    [
        *("10.0.0.1", "10.1.0.1", "10.1.2.3", "10.2.0.1", "192.168.0.5", "192.168.1.9", "8.8.8.8"),
        *("2001:db8::1", "2001:db8:1::5", "fd00::1", "::1"),
    ]
)


@given(st.none() | allowlists, st.none() | allowlists, addresses)
def test_d8_merged_ip_allowlist_admits_exactly_what_both_admit(realm_list, org_list, address):
    effective = merge(Policy(ip_allowlist=realm_list), Policy(ip_allowlist=org_list))
    assert _admits(effective.ip_allowlist, address) == (_admits(realm_list, address) and _admits(org_list, address))


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (["10.0.0.0/8"], ["10.0.0.0/8"]),
        (["10.1.2.3/8"], ["10.0.0.0/8"]),  # host bits dropped
        (["192.168.1.7"], ["192.168.1.7/32"]),
        (["2001:DB8::/32"], ["2001:db8::/32"]),
        (["0.0.0.0/0", "::/0"], ["0.0.0.0/0", "::/0"]),
        ([], []),
    ],
)
def test_d8_ip_allowlist_cidrs_are_validated_and_normalised(raw, normalised):
    assert Policy(ip_allowlist=raw).ip_allowlist == normalised


@pytest.mark.parametrize(
    "item",
    ["", "10.0.0.0/33", "10.0.0", "256.0.0.1", "example.com", "10.0.0.0/8 ", "2001:db8::/129", "10.0.0.0/-1"],
)
def test_d8_ip_allowlist_refuses_invalid_cidrs(item):
    with pytest.raises(ValidationError, match="invalid CIDR"):
        Policy(ip_allowlist=["10.0.0.0/8", item])


@pytest.mark.parametrize(
    "values",
    [
        {"session_idle_minutes": 0},
        {"session_absolute_minutes": 525_601},
        {"allowed_factors": ["sms"]},
        {"unknown_setting": True},
    ],
)
def test_d8_policy_refuses_out_of_range_and_unknown_settings(values):
    with pytest.raises(ValidationError):
        Policy(**values)


def test_d8_policy_is_immutable():
    with pytest.raises(ValidationError):
        REALM.mfa_required = False  # type: ignore[misc]
