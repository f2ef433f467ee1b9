"""Hostile cases for the organization's login policy and for admins and factors (SPEC D8, S9; HOSTILE 62).

Each refusal asserts that nothing was issued (no redirect with a code) and, for the admin API,
that nothing changed.
"""

from __future__ import annotations

import pytest
import typer

from tenantry.cli.users import app as users_cli
from tenantry.core.domain import DomainClaim
from tests.integration.api_helpers import audit_lengths, ok, realm_events, refused, seed_hosted_login
from tests.integration.mfa_helpers import enrol_totp_on_account_page, password_step
from tests.integration.test_hosted_login import (
    REDIRECT,
    authorize_url,
    code_of,
    follow,
    login,
    post_step,
)

ORG = "/api/v1/realms/alpha/organizations/acme"


@pytest.fixture
async def site(api):
    return await seed_hosted_login(api, REDIRECT)


def no_code(response) -> None:
    assert not response.headers.get("location", "").startswith(REDIRECT), response.headers.get("location")


async def set_policy(api, path: str, policy: dict) -> None:
    ok(await api.patch(path, json={"policy": policy}))


async def test_d8_ip_allowlist_refuses_other_networks_before_the_password(api, site):
    await set_policy(api, ORG, {"ip_allowlist": ["10.0.0.0/8", "2001:db8::/32"]})
    page = await api.get(authorize_url(site, organization="acme"))
    answer = await post_step(api, "identifier", page.text, email="bob@example.com")
    no_code(answer)
    shown = await follow(api, answer)
    assert shown.status_code == 403 and "ip_not_allowed" in shown.text
    await set_policy(api, ORG, {"ip_allowlist": ["127.0.0.0/8"]})
    assert "code" in code_of(await login(api, site, "bob@example.com", organization="acme"))


async def test_d8_sso_only_refuses_password_login_for_verified_domain_emails(api, site, runtime):
    realm_id = (await api.get("/api/v1/realms/alpha")).json()["id"]
    org_id = (await api.get(ORG)).json()["id"]
    async with runtime.ports.control.transaction() as tx:
        claim = DomainClaim(
            runtime.ports.new_id("dom"),
            realm_id,
            org_id,
            "example.com",
            "token",
            runtime.clock.now(),
            status="verified",
            verified_at=runtime.clock.now(),
        )
        await tx.domains(realm_id).add(claim)
    await set_policy(api, ORG, {"sso_only_for_verified_domains": True})
    for extra in ({"organization": "acme"}, {}):  # named, or found by home-realm discovery (D6)
        page = await api.get(authorize_url(site, prompt="login", **extra))
        answer = await post_step(api, "identifier", page.text, email="bob@example.com")
        no_code(answer)
        shown = await follow(api, answer)
        assert shown.status_code == 403 and "sso_required" in shown.text
        assert "single sign-on" in shown.text and 'type="password"' not in shown.text


async def test_d8_allowed_connections_refuse_other_connections_after_the_password(api, site):
    ok(await api.post("/api/v1/realms/alpha/connections", json={"name": "partners"}))
    await set_policy(api, ORG, {"allowed_connections": ["partners"]})
    answer = await password_step(api, site, "bob@example.com", organization="acme")
    no_code(answer)
    shown = await follow(api, answer)
    assert shown.status_code == 403 and "connection_not_allowed" in shown.text
    unknown = await follow(api, await password_step(api, site, "nobody@example.com", organization="acme"))
    assert unknown.status_code == 400, "S7: an unknown account still gets the wrong-password answer"


async def test_d8_an_organization_policy_looser_than_the_realm_is_refused_and_nothing_changes(api, site):
    await set_policy(api, "/api/v1/realms/alpha", {"mfa_required": True, "allowed_factors": ["totp", "webauthn"]})
    before = ok(await api.get(ORG))
    audit = await audit_lengths(api)
    for looser in ({"mfa_required": False}, {"allowed_factors": ["totp", "recovery_code"]}):
        details = refused(await api.patch(ORG, json={"policy": looser}), 400, "policy_not_stricter")
        assert details["fields"] == list(looser)
    refused(await api.patch(ORG, json={"policy": {"ip_allowlist": ["not-a-cidr"]}}), 400, "invalid_request")
    refused(await api.patch(ORG, json={"policy": {"allowed_factors": ["sms"]}}), 400, "invalid_request")
    assert ok(await api.get(ORG)) == before
    assert await audit_lengths(api) == audit


async def test_hostile_62_no_admin_path_sets_a_users_password(api, site):
    bob = site["users"]["bob@example.com"]
    user_path = f"/api/v1/realms/alpha/users/{bob}"
    before = ok(await api.get(user_path))
    refused(await api.patch(user_path, json={"password": "an admin's choice 123"}), 400, "invalid_request")
    for method in ("put", "post", "patch"):
        response = await getattr(api, method)(f"{user_path}/password", json={"password": "an admin's choice 123"})
        assert response.status_code in (404, 405), response.text
    assert ok(await api.get(user_path)) == before
    assert "code" in code_of(await login(api, site, "bob@example.com")), "the user's own password still works"
    refused_login = await follow(api, await password_step(api, site, "bob@example.com", "an admin's choice 123"))
    assert refused_login.status_code == 400
    group = typer.main.get_command(users_cli)
    for name, command in group.commands.items():  # only creation takes an initial password; nothing resets one
        options = {param.name for param in command.params}
        assert name == "create" or ("password" not in options and "password" not in name), name
    assert "reset-factors" in group.commands


async def test_s9_an_admin_resets_factors_audited_and_the_user_enrols_again(api, site):
    bob = site["users"]["bob@example.com"]
    assert "code" in code_of(await login(api, site, "bob@example.com"))
    await enrol_totp_on_account_page(api)
    factors = ok(await api.get(f"/api/v1/realms/alpha/users/{bob}/factors"))
    assert [f["kind"] for f in factors["items"]] == ["totp"] and "secret" not in factors["items"][0]
    response = await api.delete(f"/api/v1/realms/alpha/users/{bob}/factors")
    assert response.status_code == 204
    assert ok(await api.get(f"/api/v1/realms/alpha/users/{bob}/factors"))["items"] == []
    events = await realm_events(api, "alpha", action="user.factors_reset")
    assert [e["target_id"] for e in events] == [bob] and events[0]["details"] == {"factors": 1}
    assert "code" in code_of(await login(api, site, "bob@example.com", prompt="login")), "no factor, no MFA step"
    other = await api.delete("/api/v1/realms/alpha/users/usr_01m80h4r3efh8v8d2q02qexj70/factors")
    assert other.status_code == 404
