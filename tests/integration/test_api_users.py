"""Users through the admin API: creation (`id` = `sub`), password policy per connection (D9),
identifiers unique per connection (C5), metadata limits (B7), PATCH, DELETE and listing."""

from __future__ import annotations

import pytest

from tests.integration.api_helpers import (
    PASSWORD,
    all_items,
    audit_lengths,
    make_connection,
    make_realm,
    make_user,
    ok,
    realm_path,
    refused,
    send,
)

USERS = realm_path("demo") + "/users"


@pytest.fixture
async def demo(api):
    """Realm ``demo`` with the default-policy database connection ``db``."""
    await make_realm(api, "demo")
    await make_connection(api, "demo")
    return api


async def create(api, email: str, password: str = PASSWORD, connection: str = "db", **body):
    return await api.post(USERS, json={"email": email, "password": password, "connection": connection, **body})


async def user_ids(api, **params) -> list[str]:
    return sorted(item["id"] for item in await all_items(api, USERS, **params))


async def weak(api, password: str, connection: str = "db") -> list[str]:
    """Try a password; assert it is refused as ``weak_password`` and return the reasons."""
    details = refused(await create(api, "weak@example.com", password, connection), 400, "weak_password")
    return details["reasons"]


async def test_create_user_returns_its_sub_as_id(demo):
    audit = await audit_lengths(demo)
    body = await make_user(demo, "demo", " Ann@Example.COM ", name="Ann", given_name="Ann", app_metadata={"plan": "x"})
    assert body["id"].startswith("usr_")
    assert body["email"] == "ann@example.com"
    assert (body["name"], body["given_name"], body["app_metadata"]) == ("Ann", "Ann", {"plan": "x"})
    assert not {"password", "password_hash"} & set(body)
    assert ok(await demo.get(f"{USERS}/{body['id']}"), 200) == body
    events = [e for e in await all_items(demo, f"{realm_path('demo')}/audit") if e["target_id"] == body["id"]]
    assert [e["action"] for e in events] == ["user.created"]
    assert PASSWORD not in str(events)
    assert sum((await audit_lengths(demo)).values()) == sum(audit.values()) + 1


async def test_create_user_refusals_change_nothing(demo):
    await make_user(demo, "demo", "ann@example.com")
    before, audit = await user_ids(demo), await audit_lengths(demo)
    refused(await create(demo, "bob@example.com", connection="nowhere"), 404, "connection_not_found")
    refused(await create(demo, "not-an-email"), 400, "invalid_email")
    refused(await demo.post(USERS, json={"email": "bob@example.com", "connection": "db"}), 400, "invalid_request")
    refused(await create(demo, "bob@example.com", role="admin"), 400, "invalid_request")
    assert await user_ids(demo) == before
    assert await audit_lengths(demo) == audit


async def test_d9_two_connections_enforce_their_own_password_policies(demo):
    staff = await make_connection(demo, "demo", "staff", password_policy={"min_length": 16, "max_length": 64})
    assert staff["password_policy"]["min_length"] == 16
    medium, long = "violet tractor", "correct horse battery staple " * 3
    assert 8 <= len(medium) < 16 and 64 < len(long) <= 128
    assert await weak(demo, medium, "staff") == ["too_short"]
    assert await weak(demo, long, "staff") == ["too_long"]
    assert await all_items(demo, USERS, connection="staff") == []
    ok(await create(demo, "m@example.com", medium), 201)
    ok(await create(demo, "l@example.com", long), 201)
    ok(await create(demo, "s@example.com", "violet tractor on a hill", "staff"), 201)
    assert await weak(demo, "seven c") == ["too_short"]
    assert await weak(demo, "x" * 129) == ["too_long"]


async def test_d9_password_policy_bounds_are_validated(demo):
    before = ok(await demo.get(f"{realm_path('demo')}/connections/db"))
    audit = await audit_lengths(demo)
    for policy in ({"min_length": 7}, {"max_length": 63}, {"min_length": 100, "max_length": 64}, {"upper": 1}):
        body = {"name": "weakling", "password_policy": policy}
        refused(await demo.post(f"{realm_path('demo')}/connections", json=body), 400, "invalid_request")
        patch = {"password_policy": policy}
        refused(await demo.patch(f"{realm_path('demo')}/connections/db", json=patch), 400, "invalid_request")
    assert [c["name"] for c in await all_items(demo, f"{realm_path('demo')}/connections")] == ["db"]
    assert ok(await demo.get(f"{realm_path('demo')}/connections/db")) == before
    assert await audit_lengths(demo) == audit


async def test_d9_common_passwords_are_refused_with_reasons(demo):
    for common in ("password", "iloveyou", "Password", "trustno1"):
        assert await weak(demo, common) == ["too_common"], common
    assert sorted(await weak(demo, "123456")) == ["too_common", "too_short"]
    assert await user_ids(demo) == []


async def test_d9_realm_breached_list_is_refused_in_that_realm_only(demo):
    await make_realm(demo, "other")
    await make_connection(demo, "other")
    leaked = "tangerine submarine 42"
    path = f"{realm_path('demo')}/breached-passwords"
    assert ok(await demo.post(path, json={"passwords": [leaked, "another leaked one"]}), 200) == {"added": 2}
    assert ok(await demo.post(path, json={"passwords": [leaked]}), 200) == {"added": 0}
    refused(await demo.post(path, json={"passwords": []}), 400, "invalid_request")
    assert await weak(demo, leaked) == ["breached"]
    assert await user_ids(demo) == []
    body = {"email": "ann@example.com", "password": leaked, "connection": "db"}
    ok(await demo.post(f"{realm_path('other')}/users", json=body), 201)
    events = await all_items(demo, f"{realm_path('demo')}/audit", action="realm.breached_list_extended")
    assert len(events) == 2 and leaked not in str(events)


async def test_c5_identifiers_are_unique_per_connection_not_per_realm(demo):
    await make_connection(demo, "demo", "partners")
    first = await make_user(demo, "demo", "ann@example.com")
    second = await make_user(demo, "demo", "ann@example.com", "partners")
    assert first["id"] != second["id"] and first["connection_id"] != second["connection_id"]
    assert sorted(u["id"] for u in await all_items(demo, USERS, email="ANN@example.com")) == sorted(
        [first["id"], second["id"]]
    )
    assert [u["id"] for u in await all_items(demo, USERS, email="ann@example.com", connection="partners")] == [
        second["id"]
    ]
    before, audit = await user_ids(demo), await audit_lengths(demo)
    for duplicate in ("ann@example.com", "ANN@Example.com", " ann@EXAMPLE.com"):
        refused(await create(demo, duplicate), 409, "user_exists")
    assert await user_ids(demo) == before
    assert await audit_lengths(demo) == audit


async def test_b7_metadata_is_limited_to_16_kb(demo):
    fits = {"blob": "x" * (16 * 1024 - len('{"blob":""}'))}
    user = ok(await create(demo, "ann@example.com", app_metadata=fits, user_metadata=fits), 201)
    assert user["app_metadata"] == fits
    too_big = {"blob": fits["blob"] + "x"}
    audit = await audit_lengths(demo)
    for field in ("app_metadata", "user_metadata"):
        details = refused(await create(demo, "bob@example.com", **{field: too_big}), 400, "invalid_metadata")
        assert details["field"] == field
        details = refused(await demo.patch(f"{USERS}/{user['id']}", json={field: too_big}), 400, "invalid_metadata")
        assert details["field"] == field
    refused(await demo.patch(f"{USERS}/{user['id']}", json={"app_metadata": [1, 2]}), 400, "invalid_request")
    assert await user_ids(demo) == [user["id"]]
    assert ok(await demo.get(f"{USERS}/{user['id']}")) == user
    assert await audit_lengths(demo) == audit


async def test_user_patch_changes_only_editable_fields(demo):
    user = await make_user(demo, "demo", "ann@example.com")
    change = {"name": "Ann Lee", "family_name": "Lee", "blocked": True, "user_metadata": {"theme": "dark"}}
    patched = ok(await demo.patch(f"{USERS}/{user['id']}", json=change), 200)
    assert {key: patched[key] for key in change} == change
    assert (patched["id"], patched["email"], patched["created_at"]) == (user["id"], user["email"], user["created_at"])
    assert patched["updated_at"] >= user["updated_at"]
    assert ok(await demo.get(f"{USERS}/{user['id']}")) == patched
    audit = await audit_lengths(demo)
    for forbidden in ({"email": "eve@example.com"}, {"id": "usr_x"}, {"password": "new password 123"}):
        refused(await demo.patch(f"{USERS}/{user['id']}", json=forbidden), 400, "invalid_request")
    refused(await demo.patch(f"{USERS}/usr_00000000000000000000000000", json={"name": "x"}), 404, "user_not_found")
    assert ok(await demo.get(f"{USERS}/{user['id']}")) == patched
    assert await audit_lengths(demo) == audit


async def test_user_delete_then_404(demo):
    ann, bob = await make_user(demo, "demo", "ann@example.com"), await make_user(demo, "demo", "bob@example.com")
    assert (await demo.delete(f"{USERS}/{ann['id']}")).status_code == 204
    refused(await demo.get(f"{USERS}/{ann['id']}"), 404, "user_not_found")
    refused(await demo.delete(f"{USERS}/{ann['id']}"), 404, "user_not_found")
    assert await user_ids(demo) == [bob["id"]]
    again = await make_user(demo, "demo", "ann@example.com")
    assert again["id"] != ann["id"]


async def test_user_listing_filters_by_email_and_pages_with_cursors(demo):
    created = [(await make_user(demo, "demo", f"user{i}@example.com"))["id"] for i in range(5)]
    found = await all_items(demo, USERS, email="USER3@example.com")
    assert [u["id"] for u in found] == [created[3]]
    assert await all_items(demo, USERS, email="nobody@example.com") == []

    seen, cursor, sizes = [], None, []
    while True:
        page = ok(await demo.get(USERS, params={"limit": 2, **({"cursor": cursor} if cursor else {})}), 200)
        sizes.append(len(page["items"]))
        seen.extend(u["id"] for u in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [2, 2, 1]
    assert seen == sorted(created)
    for bad in ({"limit": 0}, {"limit": 201}, {"limit": "many"}):
        refused(await demo.get(USERS, params=bad), 400, "invalid_request")


@pytest.mark.parametrize("field", ["email_verified", "blocked"])
async def test_s10_user_patch_with_null_flags_is_a_clear_4xx(demo, field):
    user = await make_user(demo, "demo", "ann@example.com")
    response = await send(demo.patch(f"{USERS}/{user['id']}", json={field: None}))
    assert response.status_code == 400, response.text
    assert ok(await demo.get(f"{USERS}/{user['id']}")) == user
