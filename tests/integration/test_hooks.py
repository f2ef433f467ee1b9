"""Post-login hooks through the admin API, the hosted login and the token endpoint (SPEC J1, J2, A1, A5)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tenantry.core.realm import Realm
from tests.integration.login_flow import PASSWORD, claims_of, code_of, exchange, follow, login, make_app, token

REQUIRE_MFA_FOR_ACME = {
    "name": "require-mfa-for-acme",
    "kind": "rule",
    "config": {"condition": 'organization.name == "acme"', "actions": [{"type": "require_mfa"}]},
}
FLEX_ROLES = {
    "name": "flex-roles",
    "kind": "rule",
    "config": {
        "actions": [
            {"type": "set_claim", "claim": "flex_roles", "value": "user.app_metadata.flex.roles", "default": ["agent"]}
        ]
    },
}
DENY_CONTRACTORS = {
    "name": "no-contractors",
    "kind": "rule",
    "config": {
        "condition": 'ends_with(user.email, "@contractor.example.com")',
        "actions": [{"type": "deny", "reason": "Contractors sign in through the partner portal."}],
    },
}


async def realm_with_members(api, name: str) -> dict:
    """A realm with a connection, the organizations acme and globex, two users and an application."""
    assert (await api.post("/api/v1/realms", json={"name": name})).status_code == 201
    await api.post(f"/api/v1/realms/{name}/connections", json={"name": "members"})
    users = {}
    for org in ("acme", "globex"):
        await api.post(f"/api/v1/realms/{name}/organizations", json={"name": org, "display_name": org.title()})
        await api.post(f"/api/v1/realms/{name}/organizations/{org}/connections", json={"connection": "members"})
    for email, org, metadata in (
        ("dana@acme.example.com", "acme", {"flex": {"roles": ["supervisor"]}}),
        ("sam@contractor.example.com", "globex", {}),
    ):
        user = await api.post(
            f"/api/v1/realms/{name}/users",
            json={"email": email, "password": PASSWORD, "connection": "members", "app_metadata": metadata},
        )
        users[email] = user.json()["id"]
        await api.post(f"/api/v1/realms/{name}/organizations/{org}/members", json={"user_id": users[email]})
    return {"app": await make_app(api, name), "users": users}


@pytest.fixture
async def alpha(api):
    return await realm_with_members(api, "alpha")


async def add_hook(api, realm: str, hook: dict) -> dict:
    response = await api.post(f"/api/v1/realms/{realm}/hooks", json=hook)
    assert response.status_code == 201, response.text
    return response.json()


async def test_j1_hooks_are_realm_configuration_listed_in_order_and_audited(api, alpha):
    first = await add_hook(api, "alpha", REQUIRE_MFA_FOR_ACME)
    second = await add_hook(api, "alpha", FLEX_ROLES)
    assert (first["position"], second["position"]) == (0, 1) and "secret" not in first
    listed = (await api.get("/api/v1/realms/alpha/hooks")).json()["items"]
    assert [hook["name"] for hook in listed] == ["require-mfa-for-acme", "flex-roles"]

    reordered = await api.put("/api/v1/realms/alpha/hooks/order", json={"order": ["flex-roles", first["id"]]})
    assert [hook["name"] for hook in reordered.json()["items"]] == ["flex-roles", "require-mfa-for-acme"]
    partial = await api.put("/api/v1/realms/alpha/hooks/order", json={"order": ["flex-roles"]})
    assert partial.status_code == 400 and partial.json()["error"] == "invalid_hook_order"

    changed = await api.patch("/api/v1/realms/alpha/hooks/flex-roles", json={"enabled": False, "fail_open": True})
    assert changed.status_code == 200 and changed.json()["enabled"] is False and changed.json()["fail_open"] is True
    assert (await api.delete(f"/api/v1/realms/alpha/hooks/{first['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/realms/alpha/hooks/{first['id']}")).status_code == 404
    duplicate = await api.post("/api/v1/realms/alpha/hooks", json=FLEX_ROLES)
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "hook_exists"

    actions = [event["action"] for event in (await api.get("/api/v1/realms/alpha/audit?limit=200")).json()["items"]]
    for action in ("hook.created", "hooks.reordered", "hook.updated", "hook.deleted"):
        assert action in actions


async def test_j2_a_bad_expression_is_422_with_its_position_and_nothing_is_saved(api, alpha):
    bad = {
        **REQUIRE_MFA_FOR_ACME,
        "config": {"condition": "organization.name ==", "actions": [{"type": "require_mfa"}]},
    }
    response = await api.post("/api/v1/realms/alpha/hooks", json=bad)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_expression" and body["details"] == {
        "position": 20,
        "reason": "expected a value",
        "field": "condition",
    }
    reserved = {**FLEX_ROLES, "config": {"actions": [{"type": "set_claim", "claim": "sub", "value": "'x'"}]}}
    assert (await api.post("/api/v1/realms/alpha/hooks", json=reserved)).status_code == 400
    plugin = await api.post(
        "/api/v1/realms/alpha/hooks", json={"name": "p", "kind": "plugin", "config": {"plugin": "x"}}
    )
    assert plugin.status_code == 400 and plugin.json()["error"] == "unknown_plugin"
    insecure = {"name": "w", "kind": "webhook", "config": {"url": "http://hooks.example.com/"}}
    assert (await api.post("/api/v1/realms/alpha/hooks", json=insecure)).json()["error"] == "invalid_webhook_url"
    metadata = {"name": "w", "kind": "webhook", "config": {"url": "https://169.254.169.254/latest"}}
    assert (await api.post("/api/v1/realms/alpha/hooks", json=metadata)).json()["error"] == "invalid_webhook_url"
    slow = {"name": "w", "kind": "webhook", "config": {"url": "https://hooks.example.com/", "timeout_seconds": 11}}
    assert (await api.post("/api/v1/realms/alpha/hooks", json=slow)).status_code == 400
    assert (await api.get("/api/v1/realms/alpha/hooks")).json()["items"] == []


async def test_j1_require_mfa_for_acme_stops_before_the_code_until_a_second_factor(api, alpha, runtime):
    """A hook's ``require_mfa`` sends a user without a second factor to enrolment: no code is issued."""
    await add_hook(api, "alpha", REQUIRE_MFA_FOR_ACME)
    realm = await runtime.services.configuration.by_name("alpha")
    assert isinstance(realm, Realm)

    async def outcome_for(email: str):
        params = {
            "client_id": [alpha["app"]["client_id"]],
            "redirect_uri": ["https://app.example.com/callback"],
            "response_type": ["code"],
            "scope": ["openid"],
            "code_challenge": ["E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"],
            "code_challenge_method": ["S256"],
        }
        login = runtime.services.login
        started = await login.authorize(realm, params, None)
        transaction = started.transaction
        await login.identify(realm, transaction, email)
        return await login.password(realm, transaction, PASSWORD, "127.0.0.1")

    acme = await outcome_for("dana@acme.example.com")
    assert acme.redirect is None and acme.page == "mfa_enrol"
    assert acme.hooks is not None and acme.hooks.require_mfa is True
    globex = await outcome_for("sam@contractor.example.com")
    assert globex.hooks is not None and globex.hooks.require_mfa is False


async def test_j1_flex_roles_claim_is_in_both_tokens_and_survives_a_refresh(api, alpha):
    await add_hook(api, "alpha", FLEX_ROLES)
    code = code_of(await login(api, "alpha", alpha["app"], "dana@acme.example.com"))
    tokens = await exchange(api, "alpha", alpha["app"], code)
    id_token = await claims_of(api, "alpha", tokens["id_token"])
    access = await claims_of(api, "alpha", tokens["access_token"])
    assert id_token["flex_roles"] == access["flex_roles"] == ["supervisor"]
    assert access["sub"] == alpha["users"]["dana@acme.example.com"], "a hook never replaces the provider's claims"

    refreshed = await token(
        api, "alpha", alpha["app"], grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed.status_code == 200, refreshed.text
    assert (await claims_of(api, "alpha", refreshed.json()["access_token"]))["flex_roles"] == ["supervisor"]

    other = code_of(await login(api, "alpha", alpha["app"], "sam@contractor.example.com", prompt="login"))
    assert (await claims_of(api, "alpha", (await exchange(api, "alpha", alpha["app"], other))["id_token"]))[
        "flex_roles"
    ] == ["agent"], "the default when the path is missing"


async def _codes(runtime, realm_name: str) -> int:
    realm = await runtime.services.configuration.by_name(realm_name)
    plane = await runtime.services.configuration.plane(realm.home_plane_id)
    async with runtime.engines.plane_transaction(plane, realm.id) as conn:
        return int((await conn.execute(text("SELECT count(*) FROM authorization_codes"))).scalar_one())


async def test_j1_a_deny_rule_shows_its_reason_and_issues_no_code(api, alpha, runtime):
    await add_hook(api, "alpha", DENY_CONTRACTORS)
    denied = await follow(api, await login(api, "alpha", alpha["app"], "sam@contractor.example.com"))
    assert denied.status_code == 403
    assert "Contractors sign in through the partner portal." in denied.text and "code=" not in denied.text
    assert await _codes(runtime, "alpha") == 0
    allowed = await login(api, "alpha", alpha["app"], "dana@acme.example.com", prompt="login")
    assert code_of(allowed) is not None and await _codes(runtime, "alpha") == 1


async def test_a1_a5_realm_a_hooks_never_run_in_realm_b(api, alpha):
    beta = await realm_with_members(api, "beta")
    await add_hook(api, "alpha", DENY_CONTRACTORS)
    await add_hook(api, "alpha", FLEX_ROLES)
    code = code_of(await login(api, "beta", beta["app"], "sam@contractor.example.com"))
    assert code is not None, "alpha's deny rule does not run in beta"
    claims = await claims_of(api, "beta", (await exchange(api, "beta", beta["app"], code))["id_token"])
    assert "flex_roles" not in claims
    assert (await api.get("/api/v1/realms/beta/hooks")).json()["items"] == []


async def test_s5_another_realms_admin_cannot_see_or_change_hooks(api, alpha):
    hook = await add_hook(api, "alpha", FLEX_ROLES)
    await api.post("/api/v1/realms", json={"name": "beta"})
    minted = await api.post("/api/v1/tokens", json={"name": "beta-admin", "kind": "realm_admin", "realm": "beta"})
    other = {"Authorization": f"Bearer {minted.json()['token']}"}
    assert (await api.get("/api/v1/realms/alpha/hooks", headers=other)).status_code == 404
    assert (await api.get(f"/api/v1/realms/beta/hooks/{hook['id']}", headers=other)).status_code == 404
    assert (await api.delete(f"/api/v1/realms/beta/hooks/{hook['id']}", headers=other)).status_code == 404
    assert (await api.get(f"/api/v1/realms/alpha/hooks/{hook['id']}")).status_code == 200
