"""Home-realm discovery to an organization's enterprise connection (SPEC D6, F3; HOSTILE 47).

Domains are verified against a real local DNS server; the periodic re-check lapses a claim whose
TXT record is gone, and from then on the same email no longer routes to the IdP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tenantry.bootstrap import Runtime
from tests.security.test_saml_sp_hostile import IDP, SSO, start_login_location
from tests.support import saml_idp
from tests.support.databases import deployment
from tests.support.dns_server import LocalDnsServer

EMAIL = "alice@acme.example.com"


@pytest.fixture
def dns() -> Iterator[LocalDnsServer]:
    with LocalDnsServer() as server:
        yield server


@pytest.fixture
async def runtime(backend: str, tmp_path: Path, dns: LocalDnsServer) -> AsyncIterator[Runtime]:
    async with deployment(backend, tmp_path, dns_nameservers=[dns.nameserver]) as rt:
        yield rt


@pytest.fixture
async def site(api, dns: LocalDnsServer):
    keys = saml_idp.key_pair()
    await api.post("/api/v1/realms", json={"name": "alpha"})
    await api.post("/api/v1/realms/alpha/connections", json={"name": "members"})
    await api.post("/api/v1/realms/alpha/organizations", json={"name": "acme"})
    created = await api.post(
        "/api/v1/realms/alpha/organizations/acme/enterprise-connections",
        json={
            "name": "acme-saml",
            "kind": "saml",
            "saml": {"entity_id": IDP, "sso_url": SSO, "certificates": [keys.cert_pem]},
        },
    )
    assert created.status_code == 201, created.text
    claim = (
        await api.post("/api/v1/realms/alpha/organizations/acme/domains", json={"domain": "acme.example.com"})
    ).json()
    app = (
        await api.post(
            "/api/v1/realms/alpha/applications",
            json={"name": "web", "redirect_uris": ["https://app.example.com/callback"], "organization_usage": "allow"},
        )
    ).json()
    return {"app": app, "claim": claim, "connection": created.json()}


async def test_d6_pending_claim_does_not_route(api, site):
    assert not (await start_login_location(api, site, EMAIL)).startswith(SSO)


async def test_d6_f3_verified_claim_routes_until_it_lapses(api, runtime, site, dns):
    record = site["claim"]["dns_record"]["value"]
    dns.publish("_tenantry.acme.example.com", record)
    verified = await api.post(f"/api/v1/realms/alpha/organizations/acme/domains/{site['claim']['id']}/verify")
    assert verified.json()["status"] == "verified"
    assert (await start_login_location(api, site, EMAIL)).startswith(SSO)
    assert (await start_login_location(api, site, "someone-unknown@acme.example.com")).startswith(
        SSO
    )  # S7: same answer

    dns.withdraw("_tenantry.acme.example.com")
    result = await runtime.services.domains.recheck()
    assert result.lapsed == ["acme.example.com"]
    assert not (await start_login_location(api, site, EMAIL)).startswith(SSO)
