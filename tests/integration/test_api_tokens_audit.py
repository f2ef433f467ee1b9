"""Admin tokens (operator, realm_admin, org_admin) and their scopes; the audit log (L9) through the API."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tenantry.core.admin_token import ORG_ADMIN_SCOPES, SCOPES
from tests.integration.api_helpers import (
    V1,
    add_member,
    all_items,
    audit_lengths,
    make_connection,
    make_org,
    make_realm,
    make_user,
    members,
    mint,
    names,
    ok,
    org_path,
    realm_events,
    realm_path,
    refused,
)
from tests.support.api import bearer

TOKENS = f"{V1}/tokens"
ANN = {"email": "ann@example.com", "password": "correct horse battery", "connection": "db"}
WEB = {"name": "web", "redirect_uris": ["https://app.example.com/cb"]}


@pytest.fixture
async def demo(api):
    """Realm ``demo`` with connection ``db``, organizations ``acme`` and ``beta`` and one user ``ann``."""
    await make_realm(api, "demo")
    await make_connection(api, "demo")
    await make_org(api, "demo", "acme")
    await make_org(api, "demo", "beta")
    await make_user(api, "demo", "ann@example.com")
    return api


async def ann(api) -> str:
    return (await all_items(api, f"{realm_path('demo')}/users", email="ann@example.com"))[0]["id"]


async def operator_label(api) -> str:
    tokens = ok(await api.get(TOKENS))["items"]
    return "operator:" + next(t["id"] for t in tokens if t["name"] == "test-operator")


async def without_authorization(api, method: str, path: str):
    request = api.build_request(method, path)
    del request.headers["Authorization"]
    return await api.send(request)


def unauthenticated(response) -> None:
    refused(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_token_kinds_carry_their_scopes_and_the_secret_is_shown_once(demo):
    ra = await mint(demo, "realm_admin", realm="demo")
    oa = await mint(demo, "org_admin", realm="demo", organization="acme")
    assert ra["token"].startswith("tnt_ra_") and oa["token"].startswith("tnt_oa_")
    assert ra["scopes"] == sorted(SCOPES) and oa["scopes"] == sorted(ORG_ADMIN_SCOPES)
    assert "users:read" not in oa["scopes"] and "tokens:write" not in oa["scopes"]
    acme = ok(await demo.get(org_path("demo", "acme")))
    assert (oa["realm_id"], oa["organization_id"]) == (acme["realm_id"], acme["id"])
    listed = ok(await demo.get(TOKENS))["items"]
    assert {t["id"] for t in listed} >= {ra["id"], oa["id"]}
    assert not any("token" in t or "token_hash" in t for t in listed)
    assert ra["token"] not in str(await realm_events(demo, "demo"))


async def test_token_scopes_cannot_exceed_the_kind_or_the_caller(demo):
    await make_realm(demo, "other")
    ra = bearer((await mint(demo, "realm_admin", realm="demo"))["token"])
    limited = await mint(demo, "realm_admin", "reader", realm="demo", scopes=["users:read", "organizations:read"])
    as_reader = bearer(limited["token"])
    tokens_before, audit = await names(demo, TOKENS), await audit_lengths(demo)

    acme_admin = {"kind": "org_admin", "realm": "demo", "organization": "acme"}
    refusals = [
        ({**acme_admin, "scopes": ["users:write"]}, None, 400, "invalid_scope"),
        ({"kind": "realm_admin"}, None, 400, "realm_required"),
        ({"kind": "org_admin", "realm": "demo"}, None, 400, "organization_required"),
        ({"kind": "operator"}, ra, 403, "insufficient_scope"),
        ({"kind": "realm_admin", "realm": "other"}, ra, 404, "realm_not_found"),
        (acme_admin, as_reader, 403, "insufficient_scope"),
    ]
    for body, headers, status, code in refusals:
        details = refused(await demo.post(TOKENS, json={"name": "x", **body}, headers=headers), status, code)
        if code == "invalid_scope":
            assert details["scopes"] == ["users:write"]
    assert ok(await demo.get(f"{realm_path('demo')}/users", headers=as_reader))["items"]
    body = {**ANN, "email": "bob@example.com"}
    details = refused(
        await demo.post(f"{realm_path('demo')}/users", json=body, headers=as_reader), 403, "insufficient_scope"
    )
    assert details["scope"] == "users:write"
    assert await names(demo, TOKENS) == tokens_before
    assert [u["email"] for u in await all_items(demo, f"{realm_path('demo')}/users")] == ["ann@example.com"]
    assert await audit_lengths(demo) == audit


async def test_org_admin_manages_its_own_members_but_nothing_realm_level(demo):
    oa = await mint(demo, "org_admin", realm="demo", organization="acme")
    as_oa, user_id = bearer(oa["token"]), await ann(demo)
    tokens_before, audit = await names(demo, TOKENS), await audit_lengths(demo)
    forbidden = [
        ("POST", TOKENS, {"name": "x", "kind": "org_admin", "realm": "demo", "organization": "acme"}),
        ("GET", TOKENS, None),
        ("GET", realm_path("demo"), None),
        ("PATCH", realm_path("demo"), {"display_name": "pwned"}),
        ("GET", f"{realm_path('demo')}/users", None),
        ("POST", f"{realm_path('demo')}/organizations", {"name": "sneaky"}),
        ("PATCH", org_path("demo", "acme"), {"display_name": "pwned"}),
        ("POST", f"{org_path('demo', 'acme')}/connections", {"connection": "db"}),
        ("POST", f"{realm_path('demo')}/roles", {"name": "sneaky"}),
        ("GET", f"{V1}/audit/verify", None),
    ]
    for method, path, body in forbidden:
        refused(await demo.request(method, path, json=body, headers=as_oa), 403, "insufficient_scope")
    for method, path in (("GET", org_path("demo", "beta")), ("GET", f"{org_path('demo', 'beta')}/audit")):
        refused(await demo.request(method, path, headers=as_oa), 404, "organization_not_found")
    refused(await add_member(demo, "demo", "beta", user_id, headers=as_oa), 404, "organization_not_found")
    assert await names(demo, TOKENS) == tokens_before
    assert await names(demo, f"{realm_path('demo')}/organizations") == ["acme", "beta"]
    assert await members(demo, "demo", "beta") == {}
    assert await audit_lengths(demo) == audit

    own = ok(await demo.get(f"{realm_path('demo')}/organizations", headers=as_oa))["items"]
    assert [o["name"] for o in own] == ["acme"]
    ok(await add_member(demo, "demo", "acme", user_id, headers=as_oa), 201)
    assert await members(demo, "demo", "acme") == {user_id: []}
    trail = ok(await demo.get(f"{org_path('demo', 'acme')}/audit", headers=as_oa))["items"]
    joined = [e for e in trail if e["action"] == "membership.created"]
    assert [(e["actor"], e["target_id"]) for e in joined] == [(f"org_admin:{oa['id']}", user_id)]
    assert all(e["organization_id"] == oa["organization_id"] for e in trail)


async def test_revoked_token_is_refused_with_401(demo):
    ra = await mint(demo, "realm_admin", realm="demo")
    assert ok(await demo.get(realm_path("demo"), headers=bearer(ra["token"])))["name"] == "demo"
    revoked = ok(await demo.delete(f"{TOKENS}/{ra['id']}"), 200)
    assert revoked["revoked_at"] is not None and "token" not in revoked
    unauthenticated(await demo.get(realm_path("demo"), headers=bearer(ra["token"])))
    unauthenticated(
        await demo.post(f"{realm_path('demo')}/organizations", json={"name": "late"}, headers=bearer(ra["token"]))
    )
    assert await names(demo, f"{realm_path('demo')}/organizations") == ["acme", "beta"]
    refused(await demo.delete(f"{TOKENS}/tok_00000000000000000000000000"), 404, "token_not_found")


async def test_missing_or_malformed_token_is_401_with_www_authenticate(demo):
    audit = await audit_lengths(demo)
    unauthenticated(await without_authorization(demo, "GET", f"{V1}/realms"))
    unauthenticated(await without_authorization(demo, "POST", f"{V1}/realms"))
    for value in ("Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer", "tnt_op_xyz"):
        unauthenticated(await demo.get(f"{V1}/realms", headers={"Authorization": value}))
    assert await names(demo, f"{V1}/realms") == ["demo"]
    assert await audit_lengths(demo) == audit


async def test_l9_an_admin_write_records_actor_action_target_and_request_id(demo):
    response = await demo.post(
        f"{realm_path('demo')}/organizations", json={"name": "gamma"}, headers={"X-Request-Id": "test-req-12345"}
    )
    org = ok(response, 201)
    assert response.headers["X-Request-Id"] == "test-req-12345"
    events = [e for e in await realm_events(demo, "demo") if e["request_id"] == "test-req-12345"]
    assert len(events) == 1
    event = events[0]
    assert (event["actor"], event["action"]) == (await operator_label(demo), "organization.created")
    assert (event["target_type"], event["target_id"], event["organization_id"]) == (
        "organization",
        org["id"],
        org["id"],
    )
    assert event["realm_id"] == org["realm_id"] and event["hash"] and event["prev_hash"]


async def test_l9_every_admin_write_is_audited(api, runtime):
    expected: dict[str, tuple[str, str]] = {}

    async def write(action: str, method: str, path: str, body=None, target: str | None = None) -> dict:
        rid = f"l9-{len(expected):03d}-{action}"
        response = await api.request(method, V1 + path, json=body, headers={"X-Request-Id": rid})
        assert response.status_code in (200, 201, 204), (action, response.text)
        data = response.json() if response.content else {}
        expected[rid] = (action, target or data["id"])
        return data

    realm = await write("realm.created", "POST", "/realms", {"name": "demo"})
    r = "/realms/demo"
    await write("realm.updated", "PATCH", r, {"display_name": "Demo"}, realm["id"])
    await write(
        "realm.breached_list_extended", "POST", f"{r}/breached-passwords", {"passwords": ["x" * 9]}, realm["id"]
    )
    con = await write("connection.created", "POST", f"{r}/connections", {"name": "db"})
    await write(
        "connection.updated", "PATCH", f"{r}/connections/db", {"password_policy": {"min_length": 10}}, con["id"]
    )
    spare = await write("connection.created", "POST", f"{r}/connections", {"name": "spare"})
    user = await write("user.created", "POST", f"{r}/users", ANN)
    await write("user.updated", "PATCH", f"{r}/users/{user['id']}", {"name": "Ann"}, user["id"])
    org = await write("organization.created", "POST", f"{r}/organizations", {"name": "acme"})
    o = f"{r}/organizations/acme"
    await write("organization.updated", "PATCH", o, {"display_name": "ACME"}, org["id"])
    role = await write("role.created", "POST", f"{r}/roles", {"name": "editor"})
    await write("role.updated", "PATCH", f"{r}/roles/editor", {"permissions": ["docs:write"]}, role["id"])
    await write("membership.created", "POST", f"{o}/members", {"user_id": user["id"]}, user["id"])
    await write("membership.roles_set", "PUT", f"{o}/members/{user['id']}/roles", {"roles": ["editor"]}, user["id"])
    await write("membership.deleted", "DELETE", f"{o}/members/{user['id']}", None, user["id"])
    await write("organization.connection_enabled", "POST", f"{o}/connections", {"connection": "spare"}, spare["id"])
    await write("organization.connection_disabled", "DELETE", f"{o}/connections/spare", None, spare["id"])
    claim = await write("domain.claimed", "POST", f"{o}/domains", {"domain": "acme.example.com"})
    await write("domain.updated", "PATCH", f"{o}/domains/{claim['id']}", {"auto_join": True}, claim["id"])
    await write("domain.deleted", "DELETE", f"{o}/domains/{claim['id']}", None, claim["id"])
    app = await write("application.created", "POST", f"{r}/applications", WEB)
    await write("application.updated", "PATCH", f"{r}/applications/web", {"organization_usage": "allow"}, app["id"])
    await write("application.secret_rotated", "POST", f"{r}/applications/web/rotate-secret", None, app["id"])
    await write("application.deleted", "DELETE", f"{r}/applications/web", None, app["id"])
    token = await write(
        "admin_token.created", "POST", "/tokens", {"name": "ra", "kind": "realm_admin", "realm": "demo"}
    )
    await write("admin_token.revoked", "DELETE", f"/tokens/{token['id']}", None, token["id"])
    await write("organization.isolated", "POST", f"{o}/isolate", None, org["id"])
    await write("role.deleted", "DELETE", f"{r}/roles/editor", None, role["id"])
    await write("user.deleted", "DELETE", f"{r}/users/{user['id']}", None, user["id"])
    await write("organization.deleted", "DELETE", o, None, org["id"])
    await write("connection.deleted", "DELETE", f"{r}/connections/spare", None, spare["id"])

    actor = await operator_label(api)
    seen = {e["request_id"]: e for e in await realm_events(api, "demo") if e["request_id"] in expected}
    assert {rid: (e["action"], e["target_id"]) for rid, e in seen.items()} == expected
    assert {e["actor"] for e in seen.values()} == {actor}
    assert all(e["realm_id"] == realm["id"] for e in seen.values())
    assert ok(await api.get(f"{V1}/audit/verify"))["ok"] is True

    assert (await api.delete(V1 + r, headers={"X-Request-Id": "l9-realm-deleted"})).status_code == 204
    async with runtime.engines.control.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT actor, action, target_id, stream FROM audit_events WHERE request_id = 'l9-realm-deleted'")
            )
        ).all()
    assert [tuple(row) for row in rows] == [(actor, "realm.deleted", realm["id"], "platform")]


async def tamper(runtime, statement: str, **params) -> None:
    async with runtime.engines.control.begin() as conn:
        result = await conn.execute(text(statement), params)
        assert result.rowcount == 1


async def test_l9_verify_reports_the_broken_stream_and_seq_after_tampering(api, runtime):
    realms = {name: await make_realm(api, name) for name in ("alpha", "beta", "gamma")}
    for name in realms:
        await make_connection(api, name)
        await make_org(api, name, "acme")
    report = ok(await api.get(f"{V1}/audit/verify"))
    assert report["ok"] is True and all(s["broken_at"] is None for s in report["streams"])
    streams = {name: f"realm:{realm['id']}" for name, realm in realms.items()}
    alpha_second = next(e for e in await realm_events(api, "alpha") if e["seq"] == 2)
    beta_second = next(e for e in await realm_events(api, "beta") if e["seq"] == 2)

    await tamper(
        runtime,
        "UPDATE audit_events SET actor = 'operator:someone-else' WHERE stream = :s AND seq = 2",
        s=streams["alpha"],
    )
    await tamper(runtime, "DELETE FROM audit_events WHERE stream = :s AND seq = 1", s=streams["beta"])

    report = ok(await api.get(f"{V1}/audit/verify"))
    assert report["ok"] is False
    by_stream = {s["stream"]: s for s in report["streams"]}
    for name, second in (("alpha", alpha_second), ("beta", beta_second)):
        broken = by_stream[streams[name]]["broken_at"]
        assert broken["seq"] == 2 and second["id"] in broken.values(), broken
    assert by_stream[streams["gamma"]]["broken_at"] is None
    assert by_stream["platform"]["broken_at"] is None
    ra = bearer((await mint(api, "realm_admin", realm="gamma"))["token"])
    refused(await api.get(f"{V1}/audit/verify", headers=ra), 403, "insufficient_scope")


async def test_l9_verify_detects_deletion_of_the_newest_events(api, runtime):
    realm = await make_realm(api, "alpha")
    await make_connection(api, "alpha")
    stream = f"realm:{realm['id']}"
    assert (await audit_lengths(api))[stream] == 2
    await tamper(runtime, "DELETE FROM audit_events WHERE stream = :s AND seq = 2", s=stream)
    report = ok(await api.get(f"{V1}/audit/verify"))
    assert report["ok"] is False
    entry = next(s for s in report["streams"] if s["stream"] == stream)
    assert entry["broken_at"] is None and entry["truncated_after"] == 1
