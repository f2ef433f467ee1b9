"""Domain claims (SPEC F2, F3): no consumer domains; the TXT record and where it may sit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tenantry.core.domain import CONSUMER_MAIL_DOMAINS, TXT_PREFIX, DomainClaim, claimable
from tenantry.core.errors import InvalidInput

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _claim(**values: object) -> DomainClaim:
    fields: dict[str, object] = {
        "id": "dom_01jabcdefghjkmnpqrstvwxyz0",
        "realm_id": "rlm_01jabcdefghjkmnpqrstvwxyz0",
        "organization_id": "org_01jabcdefghjkmnpqrstvwxyz0",
        "domain": "acme.example",
        "token": "s3cr3t-T0ken_value",
        "created_at": NOW,
    }
    fields.update(values)
    return DomainClaim(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("domain", sorted(CONSUMER_MAIL_DOMAINS))
def test_f2_consumer_domains_refused(domain):
    with pytest.raises(InvalidInput) as caught:
        claimable(domain)
    assert caught.value.code == "consumer_domain"
    assert caught.value.details == {"domain": domain}


@pytest.mark.parametrize("domain", ["Gmail.COM", "gmail.com.", " outlook.com "])
def test_f2_consumer_domains_refused_in_any_spelling(domain):
    with pytest.raises(InvalidInput) as caught:
        claimable(domain)
    assert caught.value.code == "consumer_domain"


def test_f2_the_usual_consumer_domains_are_listed():
    assert {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me"} <= CONSUMER_MAIL_DOMAINS


@pytest.mark.parametrize("domain", ["acme.example", "example.com", "gmail.example", "mygmail.com", "corp.outlook.de"])
def test_f2_company_domains_claimable(domain):
    assert claimable(domain) == domain


def test_f3_txt_record():
    claim = _claim()
    assert claim.txt_record == "tenantry-verification=s3cr3t-T0ken_value"
    assert claim.txt_record == f"{TXT_PREFIX}{claim.token}"


def test_f3_record_names_are_the_domain_and_the_tenantry_label():
    assert _claim(domain="acme.example").record_names == ("acme.example", "_tenantry.acme.example")
    assert _claim(domain="eu.acme.example").record_names == ("eu.acme.example", "_tenantry.eu.acme.example")


def test_f3_a_new_claim_is_pending_and_does_not_route():
    claim = _claim()
    assert claim.status == "pending"
    assert claim.method == "dns_txt"
    assert claim.auto_join is False
    assert claim.verified_at is None


@pytest.mark.parametrize(("status", "routes"), [("pending", False), ("verified", True), ("lapsed", False)])
def test_d6_f3_only_verified_claims_route(status, routes):
    assert _claim(status=status).routes is routes
