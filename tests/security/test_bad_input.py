"""SPEC S10: malformed JSON, wrong types, unknown fields, oversize bodies and unknown realms get a clear
4xx with a machine-readable code on every route that takes a body, and nothing is written."""

from __future__ import annotations

import re

import pytest

from tests.security.test_idor import BODIES, admin_routes, fill
from tests.security.world import build_tenant, snapshot

WITH_BODY = sorted({*BODIES, ("POST", "/api/v1/realms"), ("POST", "/api/v1/tokens")})


@pytest.fixture
async def tenant(api):
    return await build_tenant(api, "alpha")


def _path(template: str, tenant) -> str:
    return fill(template, tenant)


async def _state(api, tenant):
    return await snapshot(api, tenant), (await api.get("/api/v1/realms")).json()


async def test_s10_every_route_with_a_body_is_exercised(api):
    routes = {(m, t) for m, t in admin_routes(api.app) if m in {"POST", "PUT", "PATCH"}}
    bodiless = {
        t
        for m, t in routes
        if re.search(r"/(isolate|verify|rotate-secret|revoke|verification-email|tokens/\{token_id\}/rotate)$", t)
    }
    assert {r for r in routes if r[1] not in bodiless} == set(WITH_BODY)


async def test_s10_malformed_json_is_400_malformed_json(api, tenant):
    before = await _state(api, tenant)
    for method, template in WITH_BODY:
        response = await api.request(
            method, _path(template, tenant), content=b'{"name": ', headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, (method, template, response.text)
        assert response.json()["error"] == "malformed_json"
    assert await _state(api, tenant) == before


async def test_s10_wrong_types_are_400_with_locations(api, tenant):
    before = await _state(api, tenant)
    for method, template in WITH_BODY:
        response = await api.request(method, _path(template, tenant), json=["not", "an", "object"])
        assert response.status_code == 400, (method, template, response.text)
        body = response.json()
        assert body["error"] == "invalid_request" and body["details"]["errors"]
    assert await _state(api, tenant) == before


async def test_s10_unknown_fields_are_refused(api, tenant):
    before = await _state(api, tenant)
    for method, template in WITH_BODY:
        sample = BODIES.get((method, template)) or {"name": "x", "kind": "operator"}
        response = await api.request(method, _path(template, tenant), json={**sample, "is_admin": True})
        assert response.status_code == 400, (method, template, response.text)
        assert any(e["type"] == "extra_forbidden" for e in response.json()["details"]["errors"])
    assert await _state(api, tenant) == before


async def test_s10_oversize_bodies_are_413_before_parsing(api, tenant):
    before = await _state(api, tenant)
    huge = b'{"name": "' + b"a" * 2_000_000 + b'"}'
    for method, template in WITH_BODY:
        response = await api.request(
            method, _path(template, tenant), content=huge, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413, (method, template)
        assert response.json()["error"] == "payload_too_large"
    assert await _state(api, tenant) == before


async def test_s10_unknown_realm_is_404_realm_not_found_everywhere(api, tenant):
    before = await _state(api, tenant)
    for method, template in admin_routes(api.app):
        if "{realm}" not in template:
            continue
        path = _path(template, tenant).replace("/realms/alpha", "/realms/no-such-realm", 1)
        response = await api.request(method, path, json=BODIES.get((method, template)))
        assert response.status_code == 404, (method, template, response.text)
        assert response.json()["error"] == "realm_not_found"
    assert await _state(api, tenant) == before


async def test_s10_bad_paging_parameters_are_400(api, tenant):
    for params in ({"limit": 0}, {"limit": 201}, {"limit": "many"}, {"cursor": "x" * 65}):
        response = await api.get("/api/v1/realms/alpha/users", params=params)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
