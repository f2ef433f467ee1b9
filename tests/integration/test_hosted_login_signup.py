"""Sign-up from the hosted login into a database connection that allows it (SPEC D9, S7, S8), on every backend."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from tenantry.bootstrap import Runtime
from tenantry.services.signup import GENERIC_REFUSAL
from tenantry.storage import migrate
from tests.integration.test_hosted_login import (
    PASSWORD,
    REDIRECT,
    authorize_url,
    code_of,
    exchange,
    follow,
    login,
    post_step,
)
from tests.integration.test_hosted_login_prompt import id_token_claims

NEW_PASSWORD = "a brand new passphrase"
SIGNUP_LINK = 'href="/realms/alpha/login/signup"'
VALUES = re.compile(r'value="[^"]*"')
GENERIC = GENERIC_REFUSAL.replace("'", "&#39;")


@pytest.fixture
async def site(api) -> dict[str, Any]:
    """Realm alpha: connection ``members`` (sign-up on, 12 characters at least) with taken@example.com,
    connection ``staff`` (sign-up off) with staff@example.com; both enabled for acme."""
    assert (await api.post("/api/v1/realms", json={"name": "alpha"})).status_code == 201
    members = await api.post(
        "/api/v1/realms/alpha/connections",
        json={"name": "members", "password_policy": {"min_length": 12}, "options": {"signup_enabled": True}},
    )
    assert members.status_code == 201 and members.json()["options"]["signup_enabled"] is True, members.text
    await api.post("/api/v1/realms/alpha/connections", json={"name": "staff"})
    await api.post("/api/v1/realms/alpha/organizations", json={"name": "acme", "display_name": "Acme"})
    for connection in ("members", "staff"):
        await api.post("/api/v1/realms/alpha/organizations/acme/connections", json={"connection": connection})
    for email, connection in (("taken@example.com", "members"), ("staff@example.com", "staff")):
        body = {"email": email, "password": PASSWORD, "connection": connection}
        assert (await api.post("/api/v1/realms/alpha/users", json=body)).status_code == 201
    app = await api.post(
        "/api/v1/realms/alpha/applications",
        json={
            "name": "web",
            "redirect_uris": [REDIRECT],
            "organization_usage": "allow",
            "organization_prompt": "after_login",
        },
    )
    return {"app": app.json()}


async def users_with(api, email: str, realm: str = "alpha") -> list[dict[str, Any]]:
    """Every user with this email in the realm's home plane, whatever the connection."""
    response = await api.get(f"/api/v1/realms/{realm}/users", params={"email": email})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def signup_form(api, site, **extra: str):
    identifier = await api.get(authorize_url(site, **extra))
    assert identifier.status_code == 200 and SIGNUP_LINK in identifier.text
    form = await api.get("/realms/alpha/login/signup")
    assert form.status_code == 200, form.text
    return form


async def sign_up(api, site, email: str, name: str = "Nora New", password: str = NEW_PASSWORD, **extra: str):
    form = await signup_form(api, site, **extra)
    return await post_step(api, "signup", form.text, email=email, name=name, password=password)


async def test_the_signup_form_is_labelled_and_asks_for_a_new_password(api, site):
    form = await signup_form(api, site)
    assert '<h1 id="heading">Create an account</h1>' in form.text and 'name="csrf"' in form.text
    for field, autocomplete in (("email", "username"), ("name", "name"), ("password", "new-password")):
        assert f'<label for="{field}">' in form.text
        assert re.search(rf'id="{field}" name="{field}" type="\w+" autocomplete="{autocomplete}"', form.text), field
    assert "At least 12 characters." in form.text


async def test_signup_creates_an_unverified_user_opens_a_session_and_returns_a_code(api, site, runtime: Runtime):
    done = await sign_up(api, site, "Nora@Example.com ")
    query = code_of(done)
    assert query["state"] == ["st-1"] and query["iss"] == ["http://127.0.0.1:8000/realms/alpha"]
    (user,) = await users_with(api, "nora@example.com")
    assert (user["email_verified"], user["name"]) == (False, "Nora New")
    members = (await api.get("/api/v1/realms/alpha/connections/members")).json()
    assert user["connection_id"] == members["id"]
    claims = id_token_claims(await exchange(api, site, query["code"][0]))
    assert claims["sub"] == user["id"] and claims["email_verified"] is False

    again = await api.get(authorize_url(site, prompt="none"))
    assert "code" in code_of(again), "signed in exactly as after a password login"
    await api.get("/realms/alpha/oauth/logout")
    assert "code" in code_of(await login(api, site, "nora@example.com", NEW_PASSWORD))
    audit = await api.get("/api/v1/realms/alpha/audit", params={"action": "user.signed_up"})
    assert [event["target_id"] for event in audit.json()["items"]] == [user["id"]]


async def test_d9_signup_enforces_the_connections_password_policy_and_creates_nothing(api, site):
    await api.post("/api/v1/realms/alpha/breached-passwords", json={"passwords": ["leaked passphrase 42"]})
    for password, message in (("too short", "Use at least 12 characters."), ("leaked passphrase 42", "data breach")):
        page = await follow(api, await sign_up(api, site, "nora@example.com", password=password))
        assert page.status_code == 400 and message in page.text and "Create an account" in page.text
        assert 'value="nora@example.com"' in page.text and 'value="Nora New"' in page.text
        assert password not in page.text
    assert await users_with(api, "nora@example.com") == []


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [("not-an-email", "Nora", "Enter a valid email address."), ("nora@example.com", "  ", "Enter your name")],
)
async def test_invalid_input_rerenders_the_form_and_creates_nothing(api, site, email, name, message):
    page = await follow(api, await sign_up(api, site, email, name=name))
    assert page.status_code == 400 and message in page.text
    assert await users_with(api, "nora@example.com") == []


async def test_s7_an_existing_email_is_hashed_and_refused_like_any_other_generic_refusal(
    api, site, runtime, monkeypatch
):
    hashed: list[str] = []
    real_hash = runtime.ports.hasher.hash

    async def counting(password: str) -> str:
        hashed.append(password)
        return await real_hash(password)

    monkeypatch.setattr(runtime.ports.hasher, "hash", counting)
    taken = await follow(api, await sign_up(api, site, "taken@example.com"))
    assert hashed == [NEW_PASSWORD], "the same hashing cost as a sign-up that succeeds"
    assert taken.status_code == 400 and GENERIC in taken.text
    assert "exist" not in taken.text.lower()
    assert len(await users_with(api, "taken@example.com")) == 1
    assert "code" in code_of(await login(api, site, "taken@example.com")), "the account kept its password"

    # In acme's context, an email of the other connection acme accepts would collide (B6): same refusal.
    await api.get("/realms/alpha/oauth/logout")
    collision = await follow(api, await sign_up(api, site, "staff@example.com", organization="acme"))
    assert collision.status_code == 400
    assert VALUES.sub("", collision.text) == VALUES.sub("", taken.text)
    assert len(await users_with(api, "staff@example.com")) == 1


async def switch_signup(api, connection: str, on: bool) -> None:
    body = {"options": {"signup_enabled": on}}
    response = await api.patch(f"/api/v1/realms/alpha/connections/{connection}", json=body)
    assert response.status_code == 200 and response.json()["options"]["signup_enabled"] is on, response.text


async def test_the_option_defaults_to_off_is_validated_and_a_patch_keeps_the_policy(api, site):
    staff = (await api.get("/api/v1/realms/alpha/connections/staff")).json()
    assert staff["options"]["signup_enabled"] is False
    for options in ({"signup_enabled": "yes"}, {"signup_enabled": None}, {"self_service": True}):
        response = await api.patch("/api/v1/realms/alpha/connections/staff", json={"options": options})
        assert response.status_code == 400 and response.json()["error"] == "invalid_request", options
    refused = await api.post("/api/v1/realms/alpha/connections", json={"name": "x", "options": {"signup": True}})
    assert refused.status_code == 400
    await switch_signup(api, "members", False)
    members = (await api.get("/api/v1/realms/alpha/connections/members")).json()
    assert members["password_policy"]["min_length"] == 12 and members["options"]["signup_enabled"] is False
    audit = await api.get("/api/v1/realms/alpha/audit", params={"action": "connection.updated"})
    assert [event["details"]["fields"] for event in audit.json()["items"]] == [["options"]]


async def test_signup_without_signup_enabled_is_refused_and_creates_nothing(api, site):
    await switch_signup(api, "members", False)
    page = await api.get(authorize_url(site))
    assert SIGNUP_LINK not in page.text
    form = await api.get("/realms/alpha/login/signup")
    assert form.status_code == 403 and "You cannot create an account here." in form.text
    posted = await post_step(api, "signup", page.text, email="nora@example.com", name="Nora", password=NEW_PASSWORD)
    refused = await follow(api, posted)
    assert refused.status_code == 403 and "signup_disabled" in refused.text
    assert await users_with(api, "nora@example.com") == []


async def test_signup_goes_to_the_oldest_allowing_connection_the_organization_accepts(api, site):
    await api.post("/api/v1/realms/alpha/connections", json={"name": "outsiders", "options": {"signup_enabled": True}})
    await switch_signup(api, "members", False)
    await switch_signup(api, "staff", True)
    done = await sign_up(api, site, "nora@example.com", organization="acme")
    assert code_of(done)["error"] == ["access_denied"], "a new account is a member of nothing yet"
    (user,) = await users_with(api, "nora@example.com")
    staff = (await api.get("/api/v1/realms/alpha/connections/staff")).json()
    assert user["connection_id"] == staff["id"], "outsiders is not enabled for acme"


async def test_s8_the_signup_form_needs_our_csrf_token(api, site):
    await signup_form(api, site)
    response = await api.post(
        "/realms/alpha/login/signup",
        data={"csrf": "forged", "email": "nora@example.com", "name": "Nora", "password": NEW_PASSWORD},
    )
    assert response.status_code == 403
    assert await users_with(api, "nora@example.com") == []


async def test_the_signup_page_links_back_to_sign_in(api, site):
    form = await signup_form(api, site)
    assert 'href="/realms/alpha/login/identifier"' in form.text
    back = await api.get("/realms/alpha/login/identifier")
    assert back.status_code == 200 and '<h1 id="heading">Sign in</h1>' in back.text and SIGNUP_LINK in back.text


async def test_signup_writes_the_user_into_the_connections_own_data_plane(api, runtime, operator):
    plane = await runtime.services.planes.register(operator, name="eu", tier="dedicated")
    await asyncio.to_thread(migrate.upgrade_plane, runtime.storage, plane)
    assert (await api.post("/api/v1/realms", json={"name": "alpha", "plane": "eu"})).status_code == 201
    await api.post("/api/v1/realms/alpha/connections", json={"name": "members", "options": {"signup_enabled": True}})
    app = await api.post("/api/v1/realms/alpha/applications", json={"name": "web", "redirect_uris": [REDIRECT]})
    done = await sign_up(api, {"app": app.json()}, "nora@example.com")
    assert "code" in code_of(done)
    realm = await runtime.services.realms.get(operator, "alpha")
    for plane_name, expected in (("eu", 1), ("shared", 0)):
        found = next(p for p in await runtime.services.planes.list() if p.name == plane_name)
        async with runtime.ports.planes.transaction(found, realm.id) as data:
            assert len(await data.users.with_email("nora@example.com")) == expected, plane_name
