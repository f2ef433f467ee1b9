"""The hosted login over HTTP with cookies, as a browser drives it (SPEC B6, D1-D4, D7, S1, S6-S8)."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tenantry.protocols.oauth import pkce
from tests.integration.api_helpers import seed_hosted_login

REDIRECT = "https://app.example.com/callback"
VERIFIER = "a-long-enough-code-verifier-for-pkce-0123456789-abcdefghij"
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def site(api):
    return await seed_hosted_login(api, REDIRECT)


def authorize_url(site, **extra) -> str:
    params = {
        "client_id": site["app"]["client_id"],
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email",
        "state": "st-1",
        "nonce": "no-1",
        "code_challenge": pkce.s256(VERIFIER),
        "code_challenge_method": "S256",
        **extra,
    }
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/realms/alpha/oauth/authorize?{query}"


async def post_step(api, path: str, page_html: str, **fields):
    csrf = CSRF.search(page_html).group(1)
    response = await api.post(f"/realms/alpha/login/{path}", data={"csrf": csrf, **fields})
    assert response.status_code == 303, response.text
    return response


async def follow(api, response):
    location = response.headers["location"]
    if location.startswith("/"):
        return await api.get(location)
    return response


async def login(api, site, email: str, password: str = PASSWORD, **extra):
    page = await api.get(authorize_url(site, **extra))
    assert page.status_code == 200 and "Email" in page.text
    password_page = await follow(api, await post_step(api, "identifier", page.text, email=email))
    return await post_step(api, "password", password_page.text, password=password)


def code_of(response) -> dict[str, list[str]]:
    location = response.headers["location"]
    assert location.startswith(REDIRECT), location
    return parse_qs(urlsplit(location).query)


async def exchange(api, site, code: str):
    app = site["app"]
    auth = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    return await api.post(
        "/realms/alpha/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": VERIFIER},
        headers={"Authorization": f"Basic {auth}"},
    )


async def test_d3_one_membership_goes_straight_back_with_a_code_and_iss(api, site):
    done = await login(api, site, "bob@example.com")
    query = code_of(done)
    assert query["state"] == ["st-1"] and query["iss"] == ["http://127.0.0.1:8000/realms/alpha"]
    tokens = await exchange(api, site, query["code"][0])
    assert tokens.status_code == 200 and "id_token" in tokens.json()


async def test_d3_two_memberships_show_the_picker(api, site):
    picker = await follow(api, await login(api, site, "alice@example.com"))
    assert "Acme" in picker.text and "Globex" in picker.text
    acme = re.search(r'value="(org_[^"]+)"', picker.text).group(1)
    done = await post_step(api, "organization", picker.text, organization_id=acme)
    assert "code" in code_of(done)


async def test_d4_organization_parameter_by_name_skips_the_picker(api, site):
    done = await login(api, site, "alice@example.com", organization="globex")
    assert "code" in code_of(done)


async def test_b4_an_organization_that_does_not_accept_the_connection_is_not_offered(api, site):
    await api.delete("/api/v1/realms/alpha/organizations/globex/connections/members")
    done = await login(api, site, "alice@example.com")
    assert "code" in code_of(done), "only acme is left, so no picker"


async def test_s7_unknown_user_and_wrong_password_look_the_same(api, site):
    wrong = await follow(api, await login(api, site, "bob@example.com", password="not the password"))
    unknown = await follow(api, await login(api, site, "nobody@example.com", password="not the password"))
    assert wrong.status_code == unknown.status_code == 400
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong.text).replace("bob", "X") == strip.sub("", unknown.text).replace("nobody", "X")


async def test_s8_a_form_without_our_csrf_token_is_refused(api, site):
    page = await api.get(authorize_url(site))
    response = await api.post("/realms/alpha/login/identifier", data={"csrf": "forged", "email": "bob@example.com"})
    assert response.status_code == 403
    assert page.status_code == 200


async def test_s8_a_live_session_is_reused_and_prompt_login_forces_a_new_login(api, site):
    await login(api, site, "bob@example.com")
    again = await api.get(authorize_url(site))
    assert again.status_code == 302 and "code" in code_of(again)
    forced = await api.get(authorize_url(site, prompt="login"))
    assert forced.status_code == 200 and "Email" in forced.text


async def test_hostile_8_prompt_none_without_a_session_is_login_required(api, site):
    response = await api.get(authorize_url(site, prompt="none"))
    assert response.status_code == 302
    assert code_of_error(response) == "login_required"


def code_of_error(response) -> str:
    return parse_qs(urlsplit(response.headers["location"]).query)["error"][0]


async def test_s8_logout_kills_the_session_and_its_tokens(api, site):
    tokens = (await exchange(api, site, code_of(await login(api, site, "bob@example.com"))["code"][0])).json()
    out = await api.get("/realms/alpha/oauth/logout")
    assert out.status_code == 200 and "signed out" in out.text
    assert code_of_error(await api.get(authorize_url(site, prompt="none"))) == "login_required"
    info = await api.get("/realms/alpha/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 401


async def test_hostile_15_logout_redirects_only_to_a_registered_uri(api, site):
    response = await api.get(
        "/realms/alpha/oauth/logout",
        params={"client_id": site["app"]["client_id"], "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code == 200 and "location" not in response.headers


async def test_hostile_55_the_eleventh_bad_password_is_locked_out(api, site):
    for _ in range(10):
        await login(api, site, "bob@example.com", password="wrong password!")
    locked = await follow(api, await login(api, site, "bob@example.com"))
    assert locked.status_code == 429 and "Too many attempts" in locked.text


async def test_b6_an_email_with_two_accounts_asks_which(api, site):
    await api.post("/api/v1/realms/alpha/connections", json={"name": "contractors"})
    await api.post(
        "/api/v1/realms/alpha/users",
        json={"email": "bob@example.com", "password": PASSWORD, "connection": "contractors"},
    )
    page = await api.get(authorize_url(site))
    choice = await follow(api, await post_step(api, "identifier", page.text, email="bob@example.com"))
    assert "Which account?" in choice.text and "members" in choice.text and "contractors" in choice.text


@pytest.mark.parametrize("redirect", ["https://evil.example/cb", REDIRECT + "/", None])
async def test_hostile_3_bad_redirect_uris_stay_on_our_error_page(api, site, redirect):
    url = (
        authorize_url(site, redirect_uri=redirect)
        if redirect
        else authorize_url(site).replace(f"redirect_uri={REDIRECT}&", "")
    )
    response = await api.get(url)
    assert response.status_code == 400 and "location" not in response.headers


async def test_hostile_18_pages_refuse_foreign_framing_and_posts_answer_303(api, site):
    page = await api.get(authorize_url(site))
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    response = await post_step(api, "identifier", page.text, email="bob@example.com")
    assert response.status_code == 303
