"""SPEC S5 / HOSTILE 43-44: every admin route, called with realm A's and org A's credentials
against realm B's or org B's ids, answers 404 and changes nothing.

The walk is driven by the app's own route table, so a new route without a case here fails.
"""

from __future__ import annotations

import re

import pytest

from tests.security.world import Tenant, build_tenant, snapshot
from tests.support.api import bearer

BODIES = {
    ("POST", "/api/v1/realms/{realm}/breached-passwords"): {"passwords": ["hunter2hunter2"]},
    ("POST", "/api/v1/realms/{realm}/connections"): {"name": "sneaky"},
    ("PATCH", "/api/v1/realms/{realm}/connections/{connection}"): {"password_policy": {"min_length": 9}},
    ("POST", "/api/v1/realms/{realm}/users"): {
        "email": "x@example.com",
        "password": "correct horse battery",
        "connection": "members",
    },
    ("PATCH", "/api/v1/realms/{realm}/users/{user_id}"): {"blocked": True},
    ("PATCH", "/api/v1/realms/{realm}"): {"display_name": "pwned"},
    ("POST", "/api/v1/realms/{realm}/organizations"): {"name": "sneaky"},
    ("PATCH", "/api/v1/realms/{realm}/organizations/{org}"): {"display_name": "pwned"},
    ("POST", "/api/v1/realms/{realm}/organizations/{org}/members"): {"user_id": "{user_id}", "roles": []},
    ("PUT", "/api/v1/realms/{realm}/organizations/{org}/members/{user_id}/roles"): {"roles": []},
    ("POST", "/api/v1/realms/{realm}/organizations/{org}/connections"): {"connection": "members"},
    ("POST", "/api/v1/realms/{realm}/organizations/{org}/domains"): {"domain": "sneaky.example.org"},
    ("PATCH", "/api/v1/realms/{realm}/organizations/{org}/domains/{claim_id}"): {"auto_join": True},
    ("POST", "/api/v1/realms/{realm}/roles"): {"name": "sneaky"},
    ("PATCH", "/api/v1/realms/{realm}/roles/{role}"): {"description": "pwned"},
    ("POST", "/api/v1/realms/{realm}/applications"): {"name": "sneaky", "redirect_uris": ["https://e.example.com/cb"]},
    ("PATCH", "/api/v1/realms/{realm}/applications/{application}"): {"redirect_uris": ["https://e.example.com/x"]},
    ("POST", "/api/v1/realms/{realm}/keys/rotate"): {"alg": "ES256"},
    ("POST", "/api/v1/realms/{realm}/hooks"): {
        "name": "sneaky",
        "kind": "rule",
        "config": {"actions": [{"type": "deny", "reason": "pwned"}]},
    },
    ("PATCH", "/api/v1/realms/{realm}/hooks/{hook}"): {"enabled": False},
    ("PUT", "/api/v1/realms/{realm}/hooks/order"): {"order": ["tier"]},
    ("POST", "/api/v1/realms/{realm}/saml-applications"): {
        "name": "sneaky",
        "entity_id": "https://sneaky.example.com",
        "acs_urls": ["https://sneaky.example.com/acs"],
    },
    ("PATCH", "/api/v1/realms/{realm}/saml-applications/{saml_application}"): {"acs_urls": ["https://e.example.com/x"]},
    ("POST", "/api/v1/realms/{realm}/organizations/{org}/invitations"): {"email": "sneaky@example.com"},
    ("PATCH", "/api/v1/realms/{realm}/connections/{connection}/scim"): {"authoritative": True},
    ("POST", "/api/v1/realms/{realm}/connections/{connection}/scim/tokens"): {"name": "sneaky"},
    ("POST", "/api/v1/realms/{realm}/organizations/{org}/enterprise-connections"): {"name": "sneaky", "kind": "saml"},
    ("PATCH", "/api/v1/realms/{realm}/organizations/{org}/enterprise-connections/{connection}"): {},
}
NOT_RESOURCE_BOUND = {
    ("POST", "/api/v1/realms"),
    ("GET", "/api/v1/realms"),
    ("POST", "/api/v1/tokens"),
    ("GET", "/api/v1/tokens"),
    ("GET", "/api/v1/planes"),
    ("GET", "/api/v1/audit/verify"),
}


def admin_routes(app) -> list[tuple[str, str]]:
    """Every realm admin route, read from the OpenAPI document the app publishes.

    ``/api/v1/customers`` is the control plane's: operator scopes only, no realm or organization in
    its paths; tests/controlplane checks its refusals (L8).
    """
    found = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path.startswith("/api/v1") and not path.startswith("/api/v1/customers")
    ]
    assert len(found) > 40, "the route table looks empty: the walk would prove nothing"
    return sorted(found)


def fill(template: str, target: Tenant, *, org: str | None = None) -> str:
    values = {
        "realm": target.realm,
        "org": org or target.org,
        "user_id": target.user_id,
        "connection": target.connection_id,
        "role": target.role,
        "application": target.application_id,
        "saml_application": target.saml_application_id,
        "claim_id": target.claim_id,
        "token_id": target.token_ids["realm_admin"],
        "kid": target.kid,
        "hook": target.hook_id,
        "invitation_id": target.invitation_id,
        "message_id": target.message_id,
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


def body_for(method: str, template: str, target: Tenant) -> dict | None:
    body = BODIES.get((method, template))
    if body is None:
        return None
    if body.get("user_id") == "{user_id}":
        return {**body, "user_id": target.user_id}
    return body


@pytest.fixture
async def world(api):
    a = await build_tenant(api, "alpha")
    b = await build_tenant(api, "bravo")
    return a, b


async def walk(api, token: str, target: Tenant, *, org: str | None = None, skip_realm_level: bool = False):
    """Call every resource-bound route as ``token`` against ``target``; return the non-404 answers."""
    leaks = []
    for method, template in admin_routes(api.app):
        if (method, template) in NOT_RESOURCE_BOUND:
            continue
        if skip_realm_level and "{org}" not in template:
            continue
        path = fill(template, target, org=org)
        response = await api.request(method, path, json=body_for(method, template, target), headers=bearer(token))
        if response.status_code != 404:
            leaks.append((method, template, response.status_code, response.text[:200]))
    return leaks


async def test_s5_every_route_covered_by_the_walk(api):
    """Each resource-bound route either has a body here or takes none: a new route must be thought about."""
    needs_body = [
        (m, t) for m, t in admin_routes(api.app) if m in {"POST", "PUT", "PATCH"} and (m, t) not in NOT_RESOURCE_BOUND
    ]
    bodiless = {
        ("POST", "/api/v1/realms/{realm}/organizations/{org}/isolate"),
        ("POST", "/api/v1/realms/{realm}/organizations/{org}/domains/{claim_id}/verify"),
        ("POST", "/api/v1/realms/{realm}/applications/{application}/rotate-secret"),
        ("POST", "/api/v1/realms/{realm}/keys/{kid}/revoke"),
        ("POST", "/api/v1/realms/{realm}/hooks/{hook}/rotate-secret"),
        ("POST", "/api/v1/realms/{realm}/organizations/{org}/invitations/{invitation_id}/revoke"),
        ("POST", "/api/v1/realms/{realm}/users/{user_id}/verification-email"),
        ("POST", "/api/v1/realms/{realm}/connections/{connection}/scim/tokens/{token_id}/rotate"),
        ("POST", "/api/v1/realms/{realm}/connections/{connection}/scim/tokens/{token_id}/revoke"),
    }
    assert sorted(set(needs_body) - set(BODIES) - bodiless) == []


async def test_s5_realm_admin_of_a_gets_404_on_every_route_of_b(api, world):
    a, b = world
    before = await snapshot(api, b)
    assert await walk(api, a.realm_admin_token, b) == []
    assert await snapshot(api, b) == before


async def test_s5_org_admin_of_a_gets_404_on_every_route_of_realm_b(api, world):
    a, b = world
    before = await snapshot(api, b)
    assert await walk(api, a.org_admin_token, b) == []
    assert await snapshot(api, b) == before


async def test_s5_org_admin_gets_404_for_another_organization_of_its_own_realm(api, world):
    a, _ = world
    before = await snapshot(api, a)
    assert await walk(api, a.org_admin_token, a, org=a.other_org, skip_realm_level=True) == []
    assert await snapshot(api, a) == before


async def test_s5_ids_of_b_inside_a_paths_are_not_found(api, world):
    """HOSTILE 44: a global id from realm B under realm A's path is 404, never a lookup that ignores the path."""
    a, b = world
    base = f"/api/v1/realms/{a.realm}"
    for path in (
        f"{base}/users/{b.user_id}",
        f"{base}/organizations/{b.org_id}",
        f"{base}/connections/{b.connection_id}",
        f"{base}/applications/{b.application_id}",
        f"{base}/saml-applications/{b.saml_application_id}",
        f"/realms/{a.realm}/saml/{b.saml_application_id}/metadata",
        f"{base}/organizations/main/domains/{b.claim_id}",
        f"{base}/organizations/main/members/{b.user_id}",
        f"{base}/hooks/{b.hook_id}",
        f"{base}/organizations/main/invitations/{b.invitation_id}",
        f"{base}/outbox/{b.message_id}",
    ):
        response = await api.get(path)
        assert response.status_code == 404, (path, response.text)


async def test_s5_realm_admin_cannot_revoke_tokens_of_another_realm(api, world):
    a, b = world
    response = await api.delete(f"/api/v1/tokens/{b.token_ids['realm_admin']}", headers=bearer(a.realm_admin_token))
    assert response.status_code == 404
    still = await api.get("/api/v1/realms/bravo", headers=bearer(b.realm_admin_token))
    assert still.status_code == 200
