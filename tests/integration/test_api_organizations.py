"""Organizations through the admin API: names and metadata (B1), deletion (B2), the membership cap (B3),
identifier collisions (B4/B6), isolated organizations (C1-C5) and stricter-only policy (D8)."""

from __future__ import annotations

import pytest

from tests.integration.api_helpers import (
    add_member,
    all_items,
    audit_lengths,
    make_connection,
    make_org,
    make_realm,
    make_user,
    members,
    names,
    ok,
    org_path,
    realm_path,
    refused,
    send,
)

ORGS = realm_path("demo") + "/organizations"


@pytest.fixture
async def demo(api):
    """Realm ``demo`` with the shared database connection ``db``."""
    await make_realm(api, "demo")
    await make_connection(api, "demo")
    return api


async def user(api, email: str, connection: str = "db") -> str:
    return (await make_user(api, "demo", email, connection))["id"]


async def join(api, org: str, user_id: str) -> None:
    ok(await add_member(api, "demo", org, user_id), 201)


async def org_state(api, org: str) -> dict:
    return ok(await api.get(org_path("demo", org)), 200)


async def test_b1_organization_name_pattern_and_uniqueness(demo):
    assert (await make_org(demo, "demo", "acme-1_x"))["id"].startswith("org_")
    await make_org(demo, "demo", "a" * 50)
    audit = await audit_lengths(demo)
    for bad in ("Acme", "a b", "acme!", "", "a" * 51, "ac.me", "acme\n"):
        response = await demo.post(ORGS, json={"name": bad})
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error"] in ("invalid_name", "invalid_request")
    refused(await demo.post(ORGS, json={"name": "acme-1_x"}), 409, "organization_exists")
    assert await names(demo, ORGS) == sorted(["acme-1_x", "a" * 50])
    assert await audit_lengths(demo) == audit


async def test_b1_display_name_and_metadata_limits(demo):
    full = {f"k{i}": "v" * 255 for i in range(25)}
    org = await make_org(demo, "demo", "acme", display_name="ACME Corp", metadata=full)
    assert org["display_name"] == "ACME Corp" and org["metadata"] == full
    audit = await audit_lengths(demo)
    too_many, too_long, not_text = {**full, "k25": "v"}, {"k": "v" * 256}, {"k": 1}
    for bad in (too_many, too_long, not_text, {"k" * 256: "v"}):
        refused(await demo.post(ORGS, json={"name": "beta", "metadata": bad}), 400, "invalid_metadata")
        refused(await demo.patch(org_path("demo", "acme"), json={"metadata": bad}), 400, "invalid_metadata")
    refused(await demo.post(ORGS, json={"name": "beta", "display_name": "x" * 256}), 400, "invalid_request")
    assert await names(demo, ORGS) == ["acme"]
    assert await org_state(demo, "acme") == org
    assert await audit_lengths(demo) == audit


async def test_b2_deleting_a_standard_org_removes_memberships_and_keeps_users(demo):
    ok(await demo.patch(realm_path("demo"), json={"settings": {"max_orgs_per_user": 2}}))
    for org in ("acme", "beta", "gamma"):
        await make_org(demo, "demo", org)
    ann, bob = await user(demo, "ann@example.com"), await user(demo, "bob@example.com")
    for org, who in (("acme", ann), ("acme", bob), ("beta", ann)):
        await join(demo, org, who)
    assert (await demo.delete(org_path("demo", "acme"))).status_code == 204
    refused(await demo.get(org_path("demo", "acme")), 404, "organization_not_found")
    refused(await demo.delete(org_path("demo", "acme")), 404, "organization_not_found")
    for who in (ann, bob):
        assert ok(await demo.get(f"{realm_path('demo')}/users/{who}"))["id"] == who
    assert set(await members(demo, "demo", "beta")) == {ann}
    ok(await add_member(demo, "demo", "gamma", ann), 201)  # the acme membership no longer counts (cap 2)
    await make_org(demo, "demo", "acme")
    assert await members(demo, "demo", "acme") == {}


async def test_b2_deleting_an_isolated_org_removes_its_users_and_connection(demo):
    await make_org(demo, "demo", "iso", isolated=True)
    shared = await user(demo, "ann@example.com")
    ann, cid = await user(demo, "ann@example.com", "org-iso"), await user(demo, "cid@example.com", "org-iso")
    for who in (ann, cid):
        await join(demo, "iso", who)
    refused(await demo.delete(f"{realm_path('demo')}/connections/org-iso"), 400, "connection_owned")
    assert (await demo.delete(org_path("demo", "iso"))).status_code == 204
    for who in (ann, cid):
        refused(await demo.get(f"{realm_path('demo')}/users/{who}"), 404, "user_not_found")
    refused(await demo.get(f"{realm_path('demo')}/connections/org-iso"), 404, "connection_not_found")
    assert ok(await demo.get(f"{realm_path('demo')}/users/{shared}"))["email"] == "ann@example.com"


async def test_b2_dry_run_reports_what_deletion_would_remove_and_changes_nothing(demo):
    iso = await make_org(demo, "demo", "iso", isolated=True)
    await make_org(demo, "demo", "acme")
    ann, cid = await user(demo, "ann@example.com", "org-iso"), await user(demo, "cid@example.com", "org-iso")
    bob = await user(demo, "bob@example.com")
    for org, who in (("iso", ann), ("iso", cid), ("acme", bob)):
        await join(demo, org, who)
    own = ok(await demo.get(f"{realm_path('demo')}/connections/org-iso"))
    acme, audit = await org_state(demo, "acme"), await audit_lengths(demo)

    report = ok(await demo.delete(org_path("demo", "iso"), params={"dry_run": True}), 200)
    expected = {"organization_id": iso["id"], "memberships": 2, "users": 2, "connections": [own["id"]]}
    assert report == {**expected, "deleted": False}
    report = ok(await demo.delete(org_path("demo", "acme"), params={"dry_run": True}), 200)
    assert (report["memberships"], report["users"], report["connections"]) == (1, 0, [])
    assert await org_state(demo, "iso") == iso and await org_state(demo, "acme") == acme
    assert set(await members(demo, "demo", "iso")) == {ann, cid}
    assert ok(await demo.get(f"{realm_path('demo')}/users/{ann}"))["id"] == ann
    assert await audit_lengths(demo) == audit


async def test_b2_deleting_a_converted_isolated_org_deletes_its_members(demo):
    await make_org(demo, "demo", "acme")
    ann = await user(demo, "ann@example.com")
    await join(demo, "acme", ann)
    assert ok(await demo.post(f"{org_path('demo', 'acme')}/isolate"))["isolated"] is True
    assert (await demo.delete(org_path("demo", "acme"))).status_code == 204
    refused(await demo.get(f"{realm_path('demo')}/users/{ann}"), 404, "user_not_found")


async def test_b3_max_orgs_per_user_cap_refuses_with_no_change(demo):
    ok(await demo.patch(realm_path("demo"), json={"settings": {"max_orgs_per_user": 1}}))
    await make_org(demo, "demo", "acme")
    await make_org(demo, "demo", "beta")
    ann = await user(demo, "ann@example.com")
    await join(demo, "acme", ann)
    audit = await audit_lengths(demo)
    details = refused(await add_member(demo, "demo", "beta", ann), 400, "membership_limit")
    assert details["max_orgs_per_user"] == 1
    assert await members(demo, "demo", "beta") == {}
    assert set(await members(demo, "demo", "acme")) == {ann}
    assert await audit_lengths(demo) == audit
    ok(await demo.patch(realm_path("demo"), json={"settings": {"max_orgs_per_user": 2}}))
    ok(await add_member(demo, "demo", "beta", ann), 201)


async def test_b4_b6_enabling_a_connection_with_colliding_identifiers_lists_them(demo):
    await make_connection(demo, "demo", "partners")
    await make_org(demo, "demo", "acme")
    await make_org(demo, "demo", "beta")
    for email in ("bob@example.com", "ann@example.com", "dan@example.com"):
        await user(demo, email)
    for email in ("ann@example.com", "bob@example.com", "eve@example.com"):
        await user(demo, email, "partners")
    db = ok(await demo.post(f"{org_path('demo', 'acme')}/connections", json={"connection": "db"}), 201)
    enabled = await all_items(demo, f"{org_path('demo', 'acme')}/connections")
    audit = await audit_lengths(demo)

    path = f"{org_path('demo', 'acme')}/connections"
    details = refused(await demo.post(path, json={"connection": "partners"}), 409, "identifier_collision")
    assert details["collisions"] == ["ann@example.com", "bob@example.com"]
    assert await all_items(demo, path) == enabled == [db]
    assert await audit_lengths(demo) == audit
    ok(await demo.post(f"{org_path('demo', 'beta')}/connections", json={"connection": "partners"}), 201)


async def test_c1_isolated_member_cannot_join_another_org(demo):
    await make_org(demo, "demo", "iso", isolated=True)
    await make_org(demo, "demo", "acme")
    ann, bob = await user(demo, "ann@example.com", "org-iso"), await user(demo, "bob@example.com")
    await join(demo, "iso", ann)
    await join(demo, "acme", bob)
    audit = await audit_lengths(demo)
    refused(await add_member(demo, "demo", "acme", ann), 400, "isolated_member")
    refused(await add_member(demo, "demo", "iso", bob), 400, "isolated_member")
    refused(
        await demo.post(f"{org_path('demo', 'acme')}/connections", json={"connection": "org-iso"}),
        400,
        "connection_owned",
    )
    assert await all_items(demo, f"{org_path('demo', 'acme')}/connections") == []
    assert set(await members(demo, "demo", "acme")) == {bob}
    assert set(await members(demo, "demo", "iso")) == {ann}
    assert await audit_lengths(demo) == audit


async def test_c2_isolated_member_cannot_be_removed_but_the_user_can_be_deleted(demo):
    await make_org(demo, "demo", "iso", isolated=True)
    ann = await user(demo, "ann@example.com", "org-iso")
    await join(demo, "iso", ann)
    audit = await audit_lengths(demo)
    refused(await demo.delete(f"{org_path('demo', 'iso')}/members/{ann}"), 400, "isolated_member_removal")
    assert set(await members(demo, "demo", "iso")) == {ann}
    assert await audit_lengths(demo) == audit
    assert (await demo.delete(f"{realm_path('demo')}/users/{ann}")).status_code == 204
    assert await members(demo, "demo", "iso") == {}
    refused(await demo.get(f"{org_path('demo', 'iso')}/members/{ann}"), 404, "member_not_found")


async def test_c3_isolate_lists_every_blocking_user(demo):
    for org in ("acme", "beta", "gamma"):
        await make_org(demo, "demo", org)
    ann, bob, cid = [await user(demo, f"{n}@example.com") for n in ("ann", "bob", "cid")]
    for org, who in (("acme", ann), ("acme", bob), ("acme", cid), ("beta", ann), ("gamma", bob)):
        await join(demo, org, who)
    before, audit = await org_state(demo, "acme"), await audit_lengths(demo)
    details = refused(await demo.post(f"{org_path('demo', 'acme')}/isolate"), 400, "isolation_blocked")
    assert sorted(details["blocking_user_ids"]) == sorted([ann, bob])
    assert await org_state(demo, "acme") == before and before["isolated"] is False
    assert set(await members(demo, "demo", "acme")) == {ann, bob, cid}
    assert await audit_lengths(demo) == audit


async def test_c4_isolating_without_blockers_applies_c1_and_c2_at_once(demo):
    await make_org(demo, "demo", "acme")
    await make_org(demo, "demo", "beta")
    ann = await user(demo, "ann@example.com")
    await join(demo, "acme", ann)
    isolated = ok(await demo.post(f"{org_path('demo', 'acme')}/isolate"), 200)
    assert isolated["isolated"] is True
    assert ok(await demo.post(f"{org_path('demo', 'acme')}/isolate"), 200) == isolated
    refused(await add_member(demo, "demo", "beta", ann), 400, "isolated_member")
    refused(await demo.delete(f"{org_path('demo', 'acme')}/members/{ann}"), 400, "isolated_member_removal")
    assert await members(demo, "demo", "beta") == {}
    assert set(await members(demo, "demo", "acme")) == {ann}


async def test_c5_same_email_in_an_isolated_org_is_a_new_distinct_user(demo):
    await make_org(demo, "demo", "iso", isolated=True)
    shared = await make_user(demo, "demo", "ann@example.com")
    isolated = await make_user(demo, "demo", "Ann@Example.com", "org-iso")
    assert isolated["id"] != shared["id"] and isolated["id"].startswith("usr_")
    assert isolated["email"] == shared["email"] == "ann@example.com"
    assert isolated["connection_id"] != shared["connection_id"]
    await join(demo, "iso", isolated["id"])
    for who in (shared, isolated):
        assert ok(await demo.get(f"{realm_path('demo')}/users/{who['id']}")) == who
    by_email = await all_items(demo, f"{realm_path('demo')}/users", email="ann@example.com")
    assert sorted(u["id"] for u in by_email) == sorted([shared["id"], isolated["id"]])


async def test_d8_org_policy_may_only_be_stricter_than_the_realm(demo):
    floor = {"mfa_required": True, "session_idle_minutes": 60, "ip_allowlist": ["10.0.0.0/8"]}
    ok(await demo.patch(realm_path("demo"), json={"policy": {**floor, "allowed_factors": ["totp", "webauthn"]}}))
    strict = {"session_idle_minutes": 30, "ip_allowlist": ["10.1.0.0/16"], "allowed_factors": ["totp"]}
    org = await make_org(demo, "demo", "acme", policy=strict)
    assert org["policy"] == strict
    audit = await audit_lengths(demo)
    relaxing = {
        "mfa_required": {"mfa_required": False},
        "session_idle_minutes": {"session_idle_minutes": 120},
        "ip_allowlist": {"ip_allowlist": ["192.168.0.0/16"]},
        "allowed_factors": {"allowed_factors": ["totp", "recovery_code"]},
    }
    for field, policy in relaxing.items():
        details = refused(await demo.post(ORGS, json={"name": "beta", "policy": policy}), 400, "policy_not_stricter")
        assert details["fields"] == [field]
        details = refused(
            await demo.patch(org_path("demo", "acme"), json={"policy": policy}), 400, "policy_not_stricter"
        )
        assert details["fields"] == [field]
    every = {key: value for policy in relaxing.values() for key, value in policy.items()}
    details = refused(await demo.post(ORGS, json={"name": "beta", "policy": every}), 400, "policy_not_stricter")
    assert sorted(details["fields"]) == sorted(relaxing)
    assert await names(demo, ORGS) == ["acme"]
    assert await org_state(demo, "acme") == org
    assert await audit_lengths(demo) == audit


async def test_f2_consumer_mail_domains_can_never_be_claimed(demo):
    await make_org(demo, "demo", "acme")
    path = f"{org_path('demo', 'acme')}/domains"
    claim = ok(await demo.post(path, json={"domain": "acme.example.com"}), 201)
    assert claim["status"] == "pending"
    for consumer in ("gmail.com", "GMAIL.com", "outlook.com."):
        refused(await demo.post(path, json={"domain": consumer, "auto_join": True}), 400, "consumer_domain")
    assert await all_items(demo, path) == [claim]


@pytest.mark.parametrize("field", ["display_name", "metadata", "branding"])
async def test_s10_org_patch_with_null_fields_is_a_clear_4xx(demo, field):
    before = await make_org(demo, "demo", "acme")
    response = await send(demo.patch(org_path("demo", "acme"), json={field: None}))
    assert response.status_code == 400, response.text
    assert await org_state(demo, "acme") == before
