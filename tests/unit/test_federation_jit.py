"""JIT decisions for federated logins (SPEC S4, C6; HOSTILE 45, 46): pure rules, every branch."""

from __future__ import annotations

import pytest

from tenantry.core.federation import AttributeMapping
from tenantry.federation.jit import JitRefused, decide
from tenantry.federation.mapping import UpstreamProfile, from_claims, roles_for

DOMAINS = frozenset({"acme.example.com"})


def profile(email: str | None = "alice@acme.example.com", verified: bool = True) -> UpstreamProfile:
    return UpstreamProfile("https://idp", "sub-1", email, verified)


def test_new_subject_with_a_new_email_is_created_and_verified_in_the_domain():
    decision = decide(
        profile(), identity_user_id=None, same_email_user_id=None, verified_domains=DOMAINS, isolated=False
    )
    assert (decision.action, decision.email_verified) == ("create", True)


def test_known_identity_is_updated():
    decision = decide(
        profile(), identity_user_id="usr_1", same_email_user_id="usr_1", verified_domains=DOMAINS, isolated=False
    )
    assert (decision.action, decision.user_id) == ("update", "usr_1")


def test_s4_verified_email_links_an_unlinked_user_of_the_same_connection():
    decision = decide(
        profile(), identity_user_id=None, same_email_user_id="usr_2", verified_domains=DOMAINS, isolated=False
    )
    assert (decision.action, decision.user_id) == ("link", "usr_2")


@pytest.mark.parametrize("verified", [False])
def test_s4_unverified_email_never_links(verified: bool):
    with pytest.raises(JitRefused, match="unverified_email_exists"):
        decide(
            profile(verified=verified),
            identity_user_id=None,
            same_email_user_id="usr_2",
            verified_domains=DOMAINS,
            isolated=False,
        )


def test_s4_email_outside_the_verified_domains_is_refused():
    with pytest.raises(JitRefused, match="domain_not_verified"):
        decide(
            profile("ceo@globex.example.com"),
            identity_user_id=None,
            same_email_user_id=None,
            verified_domains=DOMAINS,
            isolated=False,
        )


def test_c6_isolated_organizations_accept_outside_addresses_but_never_call_them_verified():
    decision = decide(
        profile("ceo@globex.example.com"),
        identity_user_id=None,
        same_email_user_id=None,
        verified_domains=DOMAINS,
        isolated=True,
    )
    assert (decision.action, decision.email_verified) == ("create", False)


def test_an_email_taken_by_another_user_of_the_connection_is_refused():
    with pytest.raises(JitRefused, match="email_taken"):
        decide(
            profile(), identity_user_id="usr_1", same_email_user_id="usr_2", verified_domains=DOMAINS, isolated=False
        )


def test_no_email_is_refused():
    with pytest.raises(JitRefused, match="no_email"):
        decide(profile(None), identity_user_id=None, same_email_user_id=None, verified_domains=DOMAINS, isolated=False)


def test_only_the_boolean_true_counts_as_verified_and_groups_map_to_roles():
    mapping = AttributeMapping(roles={"eng": ["admin"], "ops": ["admin", "viewer"]})
    claims = {
        "iss": "https://idp",
        "sub": "s",
        "email": "a@acme.example.com",
        "email_verified": "true",
        "groups": ["ops", "x"],
    }
    mapped = from_claims(claims, mapping)
    assert mapped.email_verified is False
    assert roles_for(mapped.groups, mapping) == ["admin", "viewer"]
