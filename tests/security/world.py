"""Two realms, each with two organizations and one of everything, for cross-tenant tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

PASSWORD = "correct horse battery"


@dataclass
class Tenant:
    realm: str
    realm_id: str
    org: str
    org_id: str
    other_org: str
    other_org_id: str
    connection_id: str
    user_id: str
    role: str
    application_id: str
    claim_id: str
    kid: str = ""
    hook_id: str = ""
    saml_application_id: str = ""
    invitation_id: str = ""
    message_id: str = ""
    realm_admin_token: str = ""
    org_admin_token: str = ""
    token_ids: dict[str, str] = field(default_factory=dict)


async def _ok(response: httpx.Response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()


async def build_tenant(api: httpx.AsyncClient, name: str) -> Tenant:
    realm = await _ok(await api.post("/api/v1/realms", json={"name": name}))
    base = f"/api/v1/realms/{name}"
    connection = await _ok(await api.post(f"{base}/connections", json={"name": "members"}))
    org = await _ok(await api.post(f"{base}/organizations", json={"name": "main"}))
    other = await _ok(await api.post(f"{base}/organizations", json={"name": "side"}))
    user = await _ok(
        await api.post(
            f"{base}/users", json={"email": f"person@{name}.example.com", "password": PASSWORD, "connection": "members"}
        )
    )
    await _ok(await api.post(f"{base}/roles", json={"name": "admin", "permissions": ["org:manage"]}))
    await _ok(await api.post(f"{base}/organizations/main/members", json={"user_id": user["id"], "roles": ["admin"]}))
    await _ok(await api.post(f"{base}/organizations/side/members", json={"user_id": user["id"]}))
    await _ok(await api.post(f"{base}/organizations/main/connections", json={"connection": "members"}))
    app = await _ok(
        await api.post(f"{base}/applications", json={"name": "web", "redirect_uris": ["https://app.example.com/cb"]})
    )
    claim = await _ok(await api.post(f"{base}/organizations/main/domains", json={"domain": f"{name}.example.com"}))
    tenant = Tenant(
        name,
        realm["id"],
        "main",
        org["id"],
        "side",
        other["id"],
        connection["id"],
        user["id"],
        "admin",
        app["id"],
        claim["id"],
    )
    tenant.kid = (await _ok(await api.get(f"{base}/keys")))["items"][0]["kid"]
    rule = {"actions": [{"type": "set_claim", "claim": "tier", "value": "'gold'"}]}
    hook = await _ok(await api.post(f"{base}/hooks", json={"name": "tier", "kind": "rule", "config": rule}))
    tenant.hook_id = hook["id"]
    saml = {
        "name": "sp",
        "entity_id": f"https://sp.{name}.example.com",
        "acs_urls": [f"https://sp.{name}.example.com/acs"],
    }
    tenant.saml_application_id = (await _ok(await api.post(f"{base}/saml-applications", json=saml)))["id"]
    invited = {"email": f"invitee@{name}.example.com", "roles": ["admin"]}
    tenant.invitation_id = (await _ok(await api.post(f"{base}/organizations/main/invitations", json=invited)))["id"]
    tenant.message_id = (await _ok(await api.get(f"{base}/outbox")))["items"][0]["id"]
    ra = await _ok(await api.post("/api/v1/tokens", json={"name": f"{name}-ra", "kind": "realm_admin", "realm": name}))
    oa = await _ok(
        await api.post(
            "/api/v1/tokens", json={"name": f"{name}-oa", "kind": "org_admin", "realm": name, "organization": "main"}
        )
    )
    tenant.realm_admin_token, tenant.org_admin_token = ra["token"], oa["token"]
    tenant.token_ids = {"realm_admin": ra["id"], "org_admin": oa["id"]}
    return tenant


async def snapshot(api: httpx.AsyncClient, tenant: Tenant) -> dict[str, object]:
    """Everything an operator can read about a tenant, to prove a hostile walk changed nothing."""
    base = f"/api/v1/realms/{tenant.realm}"
    paths = [
        base,
        f"{base}/connections",
        f"{base}/users",
        f"{base}/organizations",
        f"{base}/roles",
        f"{base}/applications",
        f"{base}/saml-applications",
        f"{base}/organizations/main/members",
        f"{base}/organizations/side/members",
        f"{base}/organizations/main/connections",
        f"{base}/organizations/main/domains",
        f"{base}/organizations/main/invitations",
        f"{base}/outbox",
        "/api/v1/tokens",
        f"{base}/keys",
        f"{base}/hooks",
    ]
    state = {}
    for path in paths:
        response = await api.get(path, params={"limit": 200} if path.endswith("s") else None)
        assert response.status_code == 200, (path, response.text)
        state[path] = response.json()
    audit = await api.get(f"{base}/audit", params={"limit": 200})
    state["audit_count"] = len(audit.json()["items"])
    return state
