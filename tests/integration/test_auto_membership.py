"""Memberships made at login (source ``auto``): connection auto-membership (F1) and domain auto-join (F2),
and the isolation rules they never break (C1, HOSTILE 42, 47), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tenantry.bootstrap import Runtime
from tests.integration.login_flow import PASSWORD, claims_of, code_of, exchange, login, make_app
from tests.support.api import api_client
from tests.support.databases import deployment
from tests.support.dns_server import LocalDnsServer


@pytest.fixture
def dns() -> Iterator[LocalDnsServer]:
    with LocalDnsServer() as server:
        yield server


@pytest.fixture
async def runtime(backend: str, tmp_path: Path, dns: LocalDnsServer) -> AsyncIterator[Runtime]:
    async with deployment(backend, tmp_path, dns_nameservers=[dns.nameserver]) as rt:
        yield rt


@pytest.fixture
async def api(runtime: Runtime):
    async with api_client(runtime) as client:
        yield client


@pytest.fixture
async def demo(api):
    """acme accepts ``members`` with auto-membership; globex accepts it without; vault is isolated."""
    assert (await api.post("/api/v1/realms", json={"name": "demo"})).status_code == 201
    await api.post("/api/v1/realms/demo/connections", json={"name": "members"})
    for name, isolated in (("acme", False), ("globex", False), ("vault", True)):
        response = await api.post("/api/v1/realms/demo/organizations", json={"name": name, "isolated": isolated})
        assert response.status_code == 201, response.text
    enable = "/api/v1/realms/demo/organizations/{}/connections"
    assert (await api.post(enable.format("acme"), json={"connection": "members", "auto_membership": True})).json()[
        "auto_membership"
    ] is True
    await api.post(enable.format("globex"), json={"connection": "members"})
    return {"app": await make_app(api, "demo")}


async def user(api, email: str, *, connection: str = "members", verified: bool = True) -> str:
    body = {"email": email, "password": PASSWORD, "connection": connection, "email_verified": verified}
    response = await api.post("/api/v1/realms/demo/users", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def memberships(api, org: str) -> dict[str, str]:
    items = (await api.get(f"/api/v1/realms/demo/organizations/{org}/members")).json()["items"]
    return {item["user_id"]: item["source"] for item in items}


async def verified_domain(api, dns: LocalDnsServer, org: str, domain: str, *, auto_join: bool = True) -> None:
    base = f"/api/v1/realms/demo/organizations/{org}/domains"
    claim = (await api.post(base, json={"domain": domain, "auto_join": auto_join})).json()
    dns.publish(domain, claim["dns_record"]["value"])
    assert (await api.post(f"{base}/{claim['id']}/verify")).json()["status"] == "verified"


async def test_f1_a_connection_with_auto_membership_joins_the_user_on_first_login(api, demo):
    lee = await user(api, "lee@example.com")
    code = code_of(await login(api, "demo", demo["app"], "lee@example.com", organization="acme"))
    assert code is not None
    assert (await memberships(api, "acme")) == {lee: "auto"}
    access = await claims_of(api, "demo", (await exchange(api, "demo", demo["app"], code))["access_token"])
    assert access["org_name"] == "acme"
    events = (await api.get("/api/v1/realms/demo/audit?action=membership.created")).json()["items"]
    assert [event["details"]["source"] for event in events] == ["auto"]


async def test_f1_without_auto_membership_the_user_is_not_a_member(api, demo):
    lee = await user(api, "lee@example.com")
    refused = await login(api, "demo", demo["app"], "lee@example.com", organization="globex")
    assert "error=access_denied" in refused.headers["location"] and code_of(refused) is None
    assert lee not in await memberships(api, "globex")


async def test_c1_f1_a_member_of_an_isolated_organization_is_never_auto_joined(api, demo):
    iso = await user(api, "iso@example.com")
    added = await api.post("/api/v1/realms/demo/organizations/vault/members", json={"user_id": iso})
    assert added.status_code == 201, added.text
    refused = await login(api, "demo", demo["app"], "iso@example.com", organization="acme")
    assert "error=access_denied" in refused.headers["location"] and code_of(refused) is None
    assert iso not in await memberships(api, "acme") and (await memberships(api, "vault")) == {iso: "admin"}


async def test_f2_a_verified_email_of_an_auto_join_domain_joins_at_login(api, demo, dns):
    await verified_domain(api, dns, "globex", "globex.example.com")
    kim = await user(api, "kim@globex.example.com")
    code = code_of(await login(api, "demo", demo["app"], "kim@globex.example.com"))
    assert code is not None and (await memberships(api, "globex")) == {kim: "auto"}
    claims = await claims_of(api, "demo", (await exchange(api, "demo", demo["app"], code))["id_token"])
    assert claims["org_name"] == "globex"


async def test_f2_unverified_emails_pending_claims_and_auto_join_off_never_join(api, demo, dns):
    await verified_domain(api, dns, "globex", "globex.example.com")
    await verified_domain(api, dns, "acme", "acme.example.com", auto_join=False)
    await api.post(
        "/api/v1/realms/demo/organizations/acme/domains", json={"domain": "pending.example.com", "auto_join": True}
    )
    for email, verified in (
        ("pat@globex.example.com", False),
        ("ann@acme.example.com", True),
        ("bo@pending.example.com", True),
    ):
        await user(api, email, verified=verified)
        done = await login(api, "demo", demo["app"], email, prompt="login")
        assert code_of(done) is not None, "no organization context, no membership: a plain login"
    assert await memberships(api, "globex") == {} and await memberships(api, "acme") == {}


async def test_f2_consumer_mail_domains_can_never_be_claimed(api, demo):
    refused = await api.post("/api/v1/realms/demo/organizations/globex/domains", json={"domain": "gmail.com"})
    assert refused.status_code == 400 and refused.json()["error"] == "consumer_domain"


async def test_c1_f2_isolated_members_and_own_connection_users_are_never_auto_joined(api, demo, dns):
    await verified_domain(api, dns, "globex", "globex.example.com")
    shared = await user(api, "sue@globex.example.com")
    await api.post("/api/v1/realms/demo/organizations/vault/members", json={"user_id": shared})
    own = await user(api, "vic@globex.example.com", connection="org-vault")
    await api.post("/api/v1/realms/demo/organizations/vault/members", json={"user_id": own})

    assert code_of(await login(api, "demo", demo["app"], "sue@globex.example.com")) is not None
    vault = code_of(
        await login(api, "demo", demo["app"], "vic@globex.example.com", organization="vault", prompt="login")
    )
    assert vault is not None
    assert await memberships(api, "globex") == {}, "C1: nobody of the isolated organization joins elsewhere"
    assert (await memberships(api, "vault")) == {shared: "admin", own: "admin"}
