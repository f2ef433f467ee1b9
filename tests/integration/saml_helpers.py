"""Shared steps of the SAML IdP tests: a realm with users and SAML applications, and the hosted login."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
BASE = "http://127.0.0.1:8000"


async def make_realm(api: httpx.AsyncClient, realm: str, users: dict[str, dict]) -> dict[str, str]:
    """A realm with a database connection and the given users (email → extra user fields); returns email → id."""
    assert (await api.post("/api/v1/realms", json={"name": realm})).status_code == 201
    assert (await api.post(f"/api/v1/realms/{realm}/connections", json={"name": "members"})).status_code == 201
    ids = {}
    for email, extra in users.items():
        body = {"email": email, "password": PASSWORD, "connection": "members", **extra}
        created = await api.post(f"/api/v1/realms/{realm}/users", json=body)
        assert created.status_code == 201, created.text
        ids[email] = created.json()["id"]
    return ids


async def saml_app(api: httpx.AsyncClient, realm: str, **body) -> dict:
    created = await api.post(f"/api/v1/realms/{realm}/saml-applications", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def walk(api: httpx.AsyncClient, response: httpx.Response, limit: int = 10) -> httpx.Response:
    """Follow redirects that stay on our server; stop at a page or at a redirect elsewhere."""
    for _ in range(limit):
        if response.status_code not in (302, 303):
            return response
        location = response.headers["location"]
        if location.startswith("http") and not location.startswith(BASE):
            return response
        response = await api.get(local(location))
    raise AssertionError("too many redirects")


async def sign_in(api: httpx.AsyncClient, realm: str, page: httpx.Response, email: str, **steps: str) -> httpx.Response:
    """Identifier, password, then the organization picker when it shows; returns the first page after."""
    assert page.status_code == 200 and 'name="email"' in page.text, page.text[:1500]
    page = await _step(api, realm, "identifier", page, email=email)
    page = await _step(api, realm, "password", page, password=steps.get("password", PASSWORD))
    if "organization" in steps and 'name="organization_id"' in page.text:
        page = await _step(api, realm, "organization", page, organization_id=steps["organization"])
    return page


async def _step(api: httpx.AsyncClient, realm: str, step: str, page: httpx.Response, **fields: str) -> httpx.Response:
    found = CSRF.search(page.text)
    assert found, page.text[:1500]
    response = await api.post(f"/realms/{realm}/login/{step}", data={"csrf": found.group(1), **fields})
    assert response.status_code == 303, response.text[:1500]
    return await walk(api, response)
