"""Small helpers for the admin-API integration tests: build state through HTTP and read it back."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx

PASSWORD = "correct horse battery"
V1 = "/api/v1"


def realm_path(realm: str) -> str:
    return f"{V1}/realms/{realm}"


def org_path(realm: str, org: str) -> str:
    return f"{V1}/realms/{realm}/organizations/{org}"


async def send(call: Awaitable[httpx.Response]) -> httpx.Response:
    """The response, or a synthetic 500 when the app raised (the ASGI transport re-raises app errors)."""
    try:
        return await call
    except Exception as exc:
        return httpx.Response(500, json={"error": "server_error", "message": repr(exc), "details": {}})


def ok(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """The JSON body of a successful answer (201 for creations, 200 otherwise when ``status`` is None)."""
    expected = (status,) if status else (200, 201)
    assert response.status_code in expected, response.text
    return response.json()


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert the error shape ``{"error", "message", "details"}`` with this status and code; return details."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body["details"]


async def make_realm(api: httpx.AsyncClient, name: str, **body: Any) -> dict[str, Any]:
    return ok(await api.post(f"{V1}/realms", json={"name": name, **body}), 201)


async def make_connection(api: httpx.AsyncClient, realm: str, name: str = "db", **body: Any) -> dict[str, Any]:
    return ok(await api.post(f"{realm_path(realm)}/connections", json={"name": name, **body}), 201)


async def make_user(
    api: httpx.AsyncClient, realm: str, email: str, connection: str = "db", **body: Any
) -> dict[str, Any]:
    payload = {"email": email, "password": PASSWORD, "connection": connection, **body}
    return ok(await api.post(f"{realm_path(realm)}/users", json=payload), 201)


async def make_org(api: httpx.AsyncClient, realm: str, name: str, **body: Any) -> dict[str, Any]:
    return ok(await api.post(f"{realm_path(realm)}/organizations", json={"name": name, **body}), 201)


async def make_role(api: httpx.AsyncClient, realm: str, name: str, permissions: list[str] | None = None) -> dict:
    body = {"name": name, "permissions": permissions or []}
    return ok(await api.post(f"{realm_path(realm)}/roles", json=body), 201)


async def add_member(
    api: httpx.AsyncClient, realm: str, org: str, user_id: str, roles: list[str] | None = None, **kwargs: Any
) -> httpx.Response:
    body = {"user_id": user_id, "roles": roles or []}
    return await api.post(f"{org_path(realm, org)}/members", json=body, **kwargs)


async def members(api: httpx.AsyncClient, realm: str, org: str) -> dict[str, list[str]]:
    """user id → roles, for every member of the organization."""
    items = await all_items(api, f"{org_path(realm, org)}/members")
    return {item["user_id"]: item["roles"] for item in items}


async def all_items(api: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list endpoint, following ``next_cursor``."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 200, **params, **({"cursor": cursor} if cursor else {})}
        page = ok(await api.get(path, params=query), 200)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


async def names(api: httpx.AsyncClient, path: str) -> list[str]:
    return sorted(item["name"] for item in await all_items(api, path))


async def audit_lengths(api: httpx.AsyncClient) -> dict[str, int]:
    """Events per audit stream, from GET /api/v1/audit/verify (operator only)."""
    report = ok(await api.get(f"{V1}/audit/verify"), 200)
    return {stream["stream"]: stream["events"] for stream in report["streams"]}


async def realm_events(api: httpx.AsyncClient, realm: str, **params: Any) -> list[dict[str, Any]]:
    return await all_items(api, f"{realm_path(realm)}/audit", **params)


async def mint(api: httpx.AsyncClient, kind: str, name: str | None = None, **body: Any) -> dict[str, Any]:
    """POST /api/v1/tokens as whoever ``api`` (or ``headers=``) authenticates; 201 expected."""
    headers = body.pop("headers", None)
    payload = {"name": name or f"{kind}-token", "kind": kind, **body}
    return ok(await api.post(f"{V1}/tokens", json=payload, headers=headers), 201)


async def seed_hosted_login(api: httpx.AsyncClient, redirect_uri: str) -> dict[str, Any]:
    """Realm alpha, connection members, acme and globex, alice (both) and bob (acme), one application."""
    assert (await api.post("/api/v1/realms", json={"name": "alpha"})).status_code == 201
    await api.post("/api/v1/realms/alpha/connections", json={"name": "members"})
    for name in ("acme", "globex"):
        await api.post("/api/v1/realms/alpha/organizations", json={"name": name, "display_name": name.title()})
        await api.post(f"/api/v1/realms/alpha/organizations/{name}/connections", json={"connection": "members"})
    users = {}
    for email in ("alice@example.com", "bob@example.com"):
        users[email] = (
            await api.post(
                "/api/v1/realms/alpha/users", json={"email": email, "password": PASSWORD, "connection": "members"}
            )
        ).json()["id"]
    for org in ("acme", "globex"):
        await api.post(
            f"/api/v1/realms/alpha/organizations/{org}/members", json={"user_id": users["alice@example.com"]}
        )
    await api.post("/api/v1/realms/alpha/organizations/acme/members", json={"user_id": users["bob@example.com"]})
    app = (
        await api.post(
            "/api/v1/realms/alpha/applications",
            json={
                "name": "web",
                "redirect_uris": [redirect_uri],
                "organization_usage": "allow",
                "organization_prompt": "after_login",
            },
        )
    ).json()
    return {"app": app, "users": users}
