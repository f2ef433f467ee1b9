"""Driving the hosted login over HTTP for any realm, and reading what the token endpoint answers."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet

from tenantry.protocols.oauth import pkce

REDIRECT = "https://app.example.com/callback"
VERIFIER = "a-long-enough-code-verifier-for-pkce-0123456789-abcdefghij"
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def make_app(api, realm: str, **config: Any) -> dict[str, Any]:
    body = {
        "name": "web",
        "redirect_uris": [REDIRECT],
        "organization_usage": "allow",
        "organization_prompt": "after_login",
        **config,
    }
    response = await api.post(f"/api/v1/realms/{realm}/applications", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def authorize_url(realm: str, app: dict[str, Any], **extra: str) -> str:
    params = {
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email",
        "state": "st-1",
        "nonce": "no-1",
        "code_challenge": pkce.s256(VERIFIER),
        "code_challenge_method": "S256",
        **extra,
    }
    return f"/realms/{realm}/oauth/authorize?{urlencode(params)}"


async def _step(api, realm: str, path: str, html: str, **fields: str):
    csrf = CSRF.search(html).group(1)
    response = await api.post(f"/realms/{realm}/login/{path}", data={"csrf": csrf, **fields})
    assert response.status_code == 303, response.text
    return response


async def follow(api, response):
    location = response.headers["location"]
    return await api.get(location) if location.startswith("/") else response


async def login(api, realm: str, app: dict[str, Any], email: str, password: str = PASSWORD, **extra: str):
    """The answer to the password step: a redirect with a code, or (after ``follow``) a page."""
    page = await api.get(authorize_url(realm, app, **extra))
    assert page.status_code == 200, page.text
    password_page = await follow(api, await _step(api, realm, "identifier", page.text, email=email))
    return await _step(api, realm, "password", password_page.text, password=password)


def code_of(response) -> str | None:
    location = response.headers.get("location", "")
    if not location.startswith(REDIRECT):
        return None
    return parse_qs(urlsplit(location).query).get("code", [None])[0]


async def token(api, realm: str, app: dict[str, Any], **form: str):
    auth = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    return await api.post(f"/realms/{realm}/oauth/token", data=form, headers={"Authorization": f"Basic {auth}"})


async def exchange(api, realm: str, app: dict[str, Any], code: str) -> dict[str, Any]:
    response = await token(
        api, realm, app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=VERIFIER
    )
    assert response.status_code == 200, response.text
    return response.json()


async def claims_of(api, realm: str, compact: str) -> dict[str, Any]:
    """The claims of a token, after checking its signature against the realm's JWKS."""
    keys = KeySet.import_key_set((await api.get(f"/realms/{realm}/.well-known/jwks.json")).json())
    return dict(jwt.decode(compact, keys, algorithms=["RS256", "ES256"]).claims)
