"""Roles and permissions (B5) and applications (D1, S1 client rules, secrets shown once) via the admin API."""

from __future__ import annotations

import pytest

from tests.integration.api_helpers import (
    add_member,
    all_items,
    audit_lengths,
    make_connection,
    make_org,
    make_realm,
    make_role,
    make_user,
    members,
    names,
    ok,
    org_path,
    realm_path,
    refused,
)

ROLES = realm_path("demo") + "/roles"
APPS = realm_path("demo") + "/applications"
CALLBACK = "https://app.example.com/callback"


@pytest.fixture
async def demo(api):
    await make_realm(api, "demo")
    return api


async def make_app(api, name: str = "web", **body) -> dict:
    return ok(await api.post(APPS, json={"name": name, "redirect_uris": [CALLBACK], **body}), 201)


async def app_state(api, ref: str) -> dict:
    return ok(await api.get(f"{APPS}/{ref}"), 200)


async def test_b5_roles_carry_permissions(demo):
    role = await make_role(demo, "demo", "editor", ["docs:write", "docs:read", "docs:read"])
    assert role["id"].startswith("rol_") and role["permissions"] == ["docs:read", "docs:write"]
    assert ok(await demo.get(f"{ROLES}/editor")) == role == ok(await demo.get(f"{ROLES}/{role['id']}"))
    updated = ok(await demo.patch(f"{ROLES}/editor", json={"permissions": ["docs:read"], "description": "Reads"}))
    assert (updated["permissions"], updated["description"]) == (["docs:read"], "Reads")

    audit = await audit_lengths(demo)
    refused(await demo.post(ROLES, json={"name": "editor"}), 409, "role_exists")
    refused(await demo.post(ROLES, json={"name": "Bad Name"}), 400, "invalid_name")
    details = refused(
        await demo.post(ROLES, json={"name": "viewer", "permissions": ["ok:read", "not ok"]}), 400, "invalid_permission"
    )
    assert details["permissions"] == ["not ok"]
    refused(await demo.patch(f"{ROLES}/editor", json={"permissions": ["has space"]}), 400, "invalid_permission")
    assert await names(demo, ROLES) == ["editor"]
    assert ok(await demo.get(f"{ROLES}/editor")) == updated
    assert await audit_lengths(demo) == audit


async def test_b5_memberships_carry_known_roles_only(demo):
    await make_connection(demo, "demo")
    await make_org(demo, "demo", "acme")
    await make_role(demo, "demo", "editor")
    await make_role(demo, "demo", "viewer")
    ann, bob = (
        (await make_user(demo, "demo", "ann@example.com"))["id"],
        (await make_user(demo, "demo", "b@example.com"))["id"],
    )
    assert ok(await add_member(demo, "demo", "acme", ann, ["viewer", "editor"]), 201)["roles"] == ["editor", "viewer"]
    audit = await audit_lengths(demo)
    details = refused(await add_member(demo, "demo", "acme", bob, ["editor", "owner"]), 400, "unknown_role")
    assert details["roles"] == ["owner"]
    path = f"{org_path('demo', 'acme')}/members/{ann}/roles"
    refused(await demo.put(path, json={"roles": ["owner"]}), 400, "unknown_role")
    assert await members(demo, "demo", "acme") == {ann: ["editor", "viewer"]}
    assert await audit_lengths(demo) == audit
    assert ok(await demo.put(path, json={"roles": ["viewer"]}))["roles"] == ["viewer"]


async def test_b5_deleting_a_role_removes_it_from_every_membership(demo):
    await make_connection(demo, "demo")
    for org in ("acme", "beta"):
        await make_org(demo, "demo", org)
    await make_role(demo, "demo", "editor", ["docs:write"])
    await make_role(demo, "demo", "viewer", ["docs:read"])
    ann = (await make_user(demo, "demo", "ann@example.com"))["id"]
    ok(await add_member(demo, "demo", "acme", ann, ["editor", "viewer"]), 201)
    ok(await add_member(demo, "demo", "beta", ann, ["editor"]), 201)

    assert (await demo.delete(f"{ROLES}/editor")).status_code == 204
    refused(await demo.get(f"{ROLES}/editor"), 404, "role_not_found")
    refused(await demo.delete(f"{ROLES}/editor"), 404, "role_not_found")
    assert await members(demo, "demo", "acme") == {ann: ["viewer"]}
    assert await members(demo, "demo", "beta") == {ann: []}
    await make_role(demo, "demo", "editor")
    assert await members(demo, "demo", "beta") == {ann: []}


async def test_client_secret_is_shown_once_at_creation(demo):
    created = await make_app(demo, grant_types=["authorization_code", "refresh_token", "client_credentials"])
    secret = created["client_secret"]
    assert created["id"].startswith("app_") and len(secret) >= 32 and created["public"] is False
    read = await app_state(demo, created["id"])
    assert "client_secret" not in read and "client_secret_hash" not in read
    assert read == {k: v for k, v in created.items() if k != "client_secret"}
    assert await app_state(demo, created["client_id"]) == read
    listed = await all_items(demo, APPS)
    assert listed == [read]
    public = await make_app(demo, "spa", public=True)
    assert "client_secret" not in public
    audit_text = str(await all_items(demo, f"{realm_path('demo')}/audit"))
    assert secret not in audit_text


async def test_rotate_secret_shows_a_new_secret_once(demo):
    created = await make_app(demo)
    rotated = ok(await demo.post(f"{APPS}/web/rotate-secret"), 200)
    assert rotated["client_secret"] != created["client_secret"] and len(rotated["client_secret"]) >= 32
    assert rotated["client_id"] == created["client_id"]
    assert "client_secret" not in await app_state(demo, "web")
    await make_app(demo, "spa", public=True)
    before, audit = await app_state(demo, "spa"), await audit_lengths(demo)
    refused(await demo.post(f"{APPS}/spa/rotate-secret"), 400, "public_client")
    assert await app_state(demo, "spa") == before
    assert await audit_lengths(demo) == audit
    events = await all_items(demo, f"{realm_path('demo')}/audit", action="application.secret_rotated")
    assert [e["target_id"] for e in events] == [created["id"]]
    assert rotated["client_secret"] not in str(events)


async def test_d1_before_login_prompt_needs_require(demo):
    default = await make_app(demo)
    assert (default["organization_usage"], default["organization_prompt"]) == ("deny", "none")
    audit = await audit_lengths(demo)
    for usage in ("deny", "allow"):
        body = {
            "name": "portal",
            "redirect_uris": [CALLBACK],
            "organization_usage": usage,
            "organization_prompt": "before_login",
        }
        refused(await demo.post(APPS, json=body), 400, "invalid_organization_usage")
    refused(await demo.post(APPS, json={"name": "portal", "organization_usage": "sometimes"}), 400, "invalid_request")
    refused(
        await demo.patch(f"{APPS}/web", json={"organization_prompt": "before_login"}), 400, "invalid_organization_usage"
    )
    assert await names(demo, APPS) == ["web"]
    assert await app_state(demo, "web") == {k: v for k, v in default.items() if k != "client_secret"}
    assert await audit_lengths(demo) == audit

    portal = await make_app(demo, "portal", organization_usage="require", organization_prompt="before_login")
    assert (portal["organization_usage"], portal["organization_prompt"]) == ("require", "before_login")
    before = await app_state(demo, "portal")
    refused(await demo.patch(f"{APPS}/portal", json={"organization_usage": "allow"}), 400, "invalid_organization_usage")
    assert await app_state(demo, "portal") == before


async def test_s1_public_client_cannot_use_client_credentials(demo):
    audit = await audit_lengths(demo)
    body = {"name": "spa", "public": True, "redirect_uris": [CALLBACK], "grant_types": ["client_credentials"]}
    refused(await demo.post(APPS, json=body), 400, "invalid_client_metadata")
    await make_app(demo, "cli", public=True)
    before = await app_state(demo, "cli")
    patch = {"grant_types": ["authorization_code", "client_credentials"]}
    refused(await demo.patch(f"{APPS}/cli", json=patch), 400, "invalid_client_metadata")
    assert await app_state(demo, "cli") == before
    assert await names(demo, APPS) == ["cli"]
    assert sum((await audit_lengths(demo)).values()) == sum(audit.values()) + 1


@pytest.mark.parametrize("grants", [["implicit"], ["password"], ["authorization_code", "password"], ["token"]])
async def test_s1_implicit_and_password_grants_are_refused(demo, grants):
    audit = await audit_lengths(demo)
    body = {"name": "legacy", "redirect_uris": [CALLBACK], "grant_types": grants}
    details = refused(await demo.post(APPS, json=body), 400, "unsupported_grant_type")
    assert set(details["grant_types"]) == set(grants) - {"authorization_code"}
    assert await all_items(demo, APPS) == []
    assert await audit_lengths(demo) == audit


BAD_REDIRECTS = [
    "http://app.example.com/callback",
    "https://app.example.com/callback#fragment",
    "https://app.example.com/callback#",
    "https://user@app.example.com/callback",
    "https://user:pw@app.example.com/callback",
    "/callback",
    "app.example.com/callback",
    "https:///callback",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://app.example.com/call back",
    "",
]
GOOD_REDIRECTS = [
    "https://app.example.com/callback",
    "http://127.0.0.1:8080/cb",
    "http://localhost/cb",
    "com.example.app:/oauth2redirect",
]


async def test_s1_bad_redirect_uris_are_refused(demo):
    app = await make_app(demo, "web", redirect_uris=GOOD_REDIRECTS)
    before, audit = await app_state(demo, "web"), await audit_lengths(demo)
    for uri in BAD_REDIRECTS:
        for body in ({"redirect_uris": [CALLBACK, uri]}, {"post_logout_redirect_uris": [uri]}):
            response = await demo.post(APPS, json={"name": "evil", **body})
            assert response.status_code == 400 and response.json()["error"] == "invalid_redirect_uri", (uri, body)
            response = await demo.patch(f"{APPS}/web", json=body)
            assert response.status_code == 400 and response.json()["error"] == "invalid_redirect_uri", (uri, body)
    refused(await demo.post(APPS, json={"name": "evil", "redirect_uris": []}), 400, "invalid_redirect_uri")
    assert await names(demo, APPS) == ["web"]
    assert await app_state(demo, "web") == before
    assert before["redirect_uris"] == app["redirect_uris"] == GOOD_REDIRECTS
    assert await audit_lengths(demo) == audit


async def test_application_update_and_delete(demo):
    await make_org(demo, "demo", "acme")
    await make_app(demo, "web", grant_types=["authorization_code", "client_credentials"])
    org_id = ok(await demo.get(org_path("demo", "acme")))["id"]
    patched = ok(await demo.patch(f"{APPS}/web", json={"organization_usage": "allow", "organization_ids": [org_id]}))
    assert (patched["organization_usage"], patched["organization_ids"]) == ("allow", [org_id])
    refused(
        await demo.patch(f"{APPS}/web", json={"organization_ids": ["org_00000000000000000000000000"]}),
        400,
        "unknown_organization",
    )
    assert await app_state(demo, "web") == patched
    refused(await demo.post(APPS, json={"name": "web", "redirect_uris": [CALLBACK]}), 409, "application_exists")
    assert (await demo.delete(f"{APPS}/web")).status_code == 204
    refused(await demo.get(f"{APPS}/web"), 404, "application_not_found")
    refused(await demo.delete(f"{APPS}/web"), 404, "application_not_found")
