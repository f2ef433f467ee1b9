"""Realms through the admin API: CRUD, isolation between realms (A1-A3) and realm settings (B3, B8)."""

from __future__ import annotations

import pytest

from tests.integration.api_helpers import (
    V1,
    all_items,
    audit_lengths,
    make_connection,
    make_org,
    make_realm,
    make_role,
    make_user,
    mint,
    ok,
    realm_path,
    refused,
    send,
)
from tests.support.api import bearer


async def realm_state(api, name: str) -> dict:
    return ok(await api.get(realm_path(name)), 200)


async def test_realm_crud_create_read_list_update_delete(api):
    created = await make_realm(api, "alpha", display_name="Alpha Inc")
    realm_admin = bearer((await mint(api, "realm_admin", realm="alpha"))["token"])
    assert created["id"].startswith("rlm_")
    assert created["issuer"].endswith("/realms/alpha")
    assert created["settings"]["organization_label"] == "organization"
    assert await realm_state(api, "alpha") == created
    assert await realm_state(api, created["id"]) == created
    assert [r["name"] for r in await all_items(api, f"{V1}/realms")] == ["alpha"]

    updated = ok(await api.patch(realm_path("alpha"), json={"display_name": "Alpha GmbH"}), 200)
    assert updated["display_name"] == "Alpha GmbH"
    assert {**updated, "display_name": "Alpha Inc"} == created

    assert (await api.delete(realm_path("alpha"))).status_code == 204
    refused(await api.get(realm_path("alpha")), 404, "realm_not_found")
    refused(await api.delete(realm_path("alpha")), 404, "realm_not_found")
    assert await all_items(api, f"{V1}/realms") == []
    refused(await api.get(f"{V1}/realms", headers=realm_admin), 401, "invalid_token")


async def test_realm_refusals_change_nothing(api):
    await make_realm(api, "alpha")
    before, audit = await realm_state(api, "alpha"), await audit_lengths(api)
    refused(await api.post(f"{V1}/realms", json={"name": "alpha"}), 409, "realm_exists")
    refused(await api.post(f"{V1}/realms", json={"name": "Not A Slug"}), 400, "invalid_name")
    refused(await api.post(f"{V1}/realms", json={"name": "beta", "colour": "red"}), 400, "invalid_request")
    refused(await api.post(f"{V1}/realms", json={"name": "beta", "plane": "nowhere"}), 404, "plane_not_found")
    assert [r["name"] for r in await all_items(api, f"{V1}/realms")] == ["alpha"]
    assert await realm_state(api, "alpha") == before
    assert await audit_lengths(api) == audit


async def test_realm_delete_removes_its_users(api):
    await make_realm(api, "alpha")
    await make_connection(api, "alpha")
    user = await make_user(api, "alpha", "ann@example.com")
    assert (await api.delete(realm_path("alpha"))).status_code == 204
    await make_realm(api, "alpha")
    await make_connection(api, "alpha")
    assert await all_items(api, f"{realm_path('alpha')}/users") == []
    refused(await api.get(f"{realm_path('alpha')}/users/{user['id']}"), 404, "user_not_found")


async def test_a1_objects_of_realm_a_are_invisible_from_realm_b(api):
    await make_realm(api, "alpha")
    await make_realm(api, "beta")
    ids = {
        "connections": (await make_connection(api, "alpha"))["id"],
        "users": (await make_user(api, "alpha", "ann@example.com"))["id"],
        "organizations": (await make_org(api, "alpha", "acme"))["id"],
        "roles": (await make_role(api, "alpha", "editor"))["id"],
        "applications": ok(
            await api.post(
                f"{realm_path('alpha')}/applications",
                json={"name": "web", "redirect_uris": ["https://a.example.com/cb"]},
            )
        )["id"],
    }
    await make_org(api, "beta", "acme")
    for kind, object_id in ids.items():
        assert (await api.get(f"{realm_path('beta')}/{kind}/{object_id}")).status_code == 404, kind
        assert (await api.get(f"{realm_path('alpha')}/{kind}/{object_id}")).status_code == 200, kind
    for kind in ("connections", "users", "roles", "applications"):
        assert await all_items(api, f"{realm_path('beta')}/{kind}") == [], kind

    beta_acme = f"{realm_path('beta')}/organizations/acme"
    refused(await api.post(f"{beta_acme}/members", json={"user_id": ids["users"]}), 404, "user_not_found")
    refused(
        await api.post(f"{beta_acme}/connections", json={"connection": ids["connections"]}), 404, "connection_not_found"
    )
    app = {"name": "web", "redirect_uris": ["https://b.example.com/cb"], "organization_ids": [ids["organizations"]]}
    refused(await api.post(f"{realm_path('beta')}/applications", json=app), 400, "unknown_organization")
    assert await all_items(api, f"{beta_acme}/members") == []
    assert await all_items(api, f"{beta_acme}/connections") == []
    assert await all_items(api, f"{realm_path('beta')}/applications") == []


async def test_a2_realm_admin_token_of_realm_a_is_refused_by_realm_b(api):
    await make_realm(api, "alpha")
    await make_realm(api, "beta")
    token = (await mint(api, "realm_admin", realm="alpha"))["token"]
    as_alpha = bearer(token)
    assert (await api.get(realm_path("alpha"), headers=as_alpha)).status_code == 200
    assert [r["name"] for r in ok(await api.get(f"{V1}/realms", headers=as_alpha))["items"]] == ["alpha"]
    before = await realm_state(api, "beta")
    refused(await api.get(realm_path("beta"), headers=as_alpha), 404, "realm_not_found")
    refused(await api.get(f"{realm_path('beta')}/users", headers=as_alpha), 404, "realm_not_found")
    refused(await api.patch(realm_path("beta"), json={"display_name": "x"}, headers=as_alpha), 404, "realm_not_found")
    refused(
        await api.post(f"{realm_path('beta')}/organizations", json={"name": "sneaky"}, headers=as_alpha),
        404,
        "realm_not_found",
    )
    assert await realm_state(api, "beta") == before
    assert await all_items(api, f"{realm_path('beta')}/organizations") == []


async def test_realm_admin_cannot_create_or_delete_realms(api):
    await make_realm(api, "alpha")
    as_alpha = bearer((await mint(api, "realm_admin", realm="alpha"))["token"])
    refused(await api.post(f"{V1}/realms", json={"name": "gamma"}, headers=as_alpha), 403, "insufficient_scope")
    refused(await api.delete(realm_path("alpha"), headers=as_alpha), 403, "insufficient_scope")
    assert [r["name"] for r in await all_items(api, f"{V1}/realms")] == ["alpha"]


async def test_a3_custom_domain_belongs_to_one_realm(api):
    alpha = await make_realm(api, "alpha", custom_domain="Login.Alpha.Example.com.")
    assert alpha["custom_domain"] == "login.alpha.example.com"
    assert alpha["issuer"] == "https://login.alpha.example.com"
    beta = await make_realm(api, "beta")
    audit = await audit_lengths(api)

    refused(
        await api.post(f"{V1}/realms", json={"name": "gamma", "custom_domain": "login.alpha.example.com"}),
        409,
        "domain_taken",
    )
    refused(await api.patch(realm_path("beta"), json={"custom_domain": "LOGIN.alpha.example.com"}), 409, "domain_taken")
    for bad in ("not a domain", "10.0.0.1", "-bad-.example.com"):
        refused(await api.patch(realm_path("beta"), json={"custom_domain": bad}), 400, "invalid_domain")
    refused(await api.get(realm_path("gamma")), 404, "realm_not_found")
    assert await realm_state(api, "alpha") == alpha
    assert await realm_state(api, "beta") == beta
    assert await audit_lengths(api) == audit

    moved = ok(await api.patch(realm_path("alpha"), json={"custom_domain": None}), 200)
    assert moved["issuer"].endswith("/realms/alpha")
    taken = ok(await api.patch(realm_path("beta"), json={"custom_domain": "login.alpha.example.com"}), 200)
    assert taken["issuer"] == "https://login.alpha.example.com"


async def test_b3_realm_settings_are_merged_and_validated(api):
    await make_realm(api, "alpha")
    capped = ok(await api.patch(realm_path("alpha"), json={"settings": {"max_orgs_per_user": 1}}), 200)
    assert capped["settings"]["max_orgs_per_user"] == 1
    both = ok(await api.patch(realm_path("alpha"), json={"settings": {"require_organization": True}}), 200)
    assert both["settings"] == {**capped["settings"], "require_organization": True}

    audit = await audit_lengths(api)
    for bad in ({"max_orgs_per_user": 0}, {"max_orgs_per_user": "one"}, {"require_organization": "maybe"}, {"x": 1}):
        response = await api.patch(realm_path("alpha"), json={"settings": bad})
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error"] == "invalid_request"
    assert await realm_state(api, "alpha") == both
    assert await audit_lengths(api) == audit


async def test_b8_organization_label_is_renamed_per_realm(api):
    await make_realm(api, "alpha")
    program = await make_realm(api, "beta", settings={"organization_label": "program"})
    assert program["settings"]["organization_label"] == "program"
    renamed = ok(await api.patch(realm_path("alpha"), json={"settings": {"organization_label": "workspace"}}), 200)
    assert renamed["settings"]["organization_label"] == "workspace"
    assert (await realm_state(api, "beta"))["settings"]["organization_label"] == "program"

    for bad in ("", "x" * 41):
        response = await api.patch(realm_path("alpha"), json={"settings": {"organization_label": bad}})
        assert response.status_code == 400, response.text
    refused(
        await api.post(f"{V1}/realms", json={"name": "gamma", "settings": {"organization_label": ""}}),
        400,
        "invalid_request",
    )
    assert await realm_state(api, "alpha") == renamed
    refused(await api.get(realm_path("gamma")), 404, "realm_not_found")


@pytest.mark.parametrize("body", [{"display_name": None}, {"settings": None}], ids=["display_name", "settings"])
async def test_s10_realm_patch_with_null_fields_is_a_clear_4xx(api, body):
    before = await make_realm(api, "alpha")
    response = await send(api.patch(realm_path("alpha"), json=body))
    assert response.status_code == 400, response.text
    assert response.json()["error"]
    assert await realm_state(api, "alpha") == before
