"""Session idle and absolute limits from the deployment's defaults, the realm's policy and the organization's
(SPEC D8, S8), with the clock moved by hand.

A session past a limit is dead: /authorize asks for a login again and the switcher refuses it. Refresh
tokens issued from a session live until the session's absolute limit, whatever its idle state.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tenantry.bootstrap import Runtime
from tests.integration.api_helpers import ok, org_path, realm_path
from tests.integration.test_hosted_login import (
    PASSWORD,
    REDIRECT,
    authorize_url,
    code_of,
    exchange,
    login,
)
from tests.support.clock import ManualClock
from tests.support.databases import deployment

MINUTE = 60


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def runtime(backend: str, tmp_path: Path, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with deployment(backend, tmp_path, clock=clock) as rt:
        yield rt


@pytest.fixture
async def site(api):
    """Realm alpha: bob in acme, carol in globex; an application that takes the only membership."""
    ok(await api.post("/api/v1/realms", json={"name": "alpha"}))
    await api.post(f"{realm_path('alpha')}/connections", json={"name": "members"})
    for org in ("acme", "globex"):
        await api.post(f"{realm_path('alpha')}/organizations", json={"name": org})
        await api.post(f"{org_path('alpha', org)}/connections", json={"connection": "members"})
    for email, org in (("bob@example.com", "acme"), ("carol@example.com", "globex")):
        user = ok(
            await api.post(
                f"{realm_path('alpha')}/users", json={"email": email, "password": PASSWORD, "connection": "members"}
            )
        )
        await api.post(f"{org_path('alpha', org)}/members", json={"user_id": user["id"]})
    app = ok(
        await api.post(
            f"{realm_path('alpha')}/applications",
            json={
                "name": "web",
                "redirect_uris": [REDIRECT],
                "organization_usage": "allow",
                "organization_prompt": "after_login",
                "initiate_login_uri": "https://app.example.com/login",
            },
        )
    )
    return {"app": app}


async def signed_in(api, site) -> bool:
    """Whether the browser's session still answers /authorize with prompt=none (which is also a use)."""
    response = await api.get(authorize_url(site, prompt="none"))
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert "code" in query or query.get("error") == ["login_required"], query
    return "code" in query


async def refresh(api, site, token: str):
    app = site["app"]
    auth = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    return await api.post(
        "/realms/alpha/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        headers={"Authorization": f"Basic {auth}"},
    )


async def tokens_for(api, site, email: str) -> dict:
    done = await login(api, site, email)
    answer = await exchange(api, site, code_of(done)["code"][0])
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_d8_the_deployment_default_idle_limit_slides_with_each_use(api, site, runtime, clock):
    runtime.ports.session_idle_minutes = 30
    await login(api, site, "bob@example.com")
    clock.advance(29 * MINUTE)
    assert await signed_in(api, site)
    clock.advance(29 * MINUTE)
    assert await signed_in(api, site), "58 minutes after login, but used 29 minutes ago"
    clock.advance(30 * MINUTE)
    assert not await signed_in(api, site)
    page = await api.get(authorize_url(site))
    assert page.status_code == 200 and "Email" in page.text


async def test_d8_the_realm_policy_sets_both_limits_and_the_cookie_lasts_the_absolute_one(api, site, clock):
    policy = {"session_idle_minutes": 60, "session_absolute_minutes": 120}
    ok(await api.patch(realm_path("alpha"), json={"policy": policy}), 200)
    done = await login(api, site, "bob@example.com")
    assert "Max-Age=7200" in done.headers["set-cookie"]
    for _ in range(2):
        clock.advance(50 * MINUTE)
        assert await signed_in(api, site)
    clock.advance(21 * MINUTE)
    assert not await signed_in(api, site), "121 minutes after login, used 21 minutes ago"


async def test_d8_an_organizations_stricter_policy_applies_only_in_its_context(api, site, clock):
    ok(await api.patch(realm_path("alpha"), json={"policy": {"session_idle_minutes": 60}}), 200)
    ok(await api.patch(org_path("alpha", "acme"), json={"policy": {"session_idle_minutes": 10}}), 200)
    await login(api, site, "bob@example.com")
    clock.advance(11 * MINUTE)
    assert not await signed_in(api, site)

    api.cookies.clear()
    await login(api, site, "carol@example.com")
    clock.advance(11 * MINUTE)
    assert await signed_in(api, site)
    clock.advance(59 * MINUTE)
    assert await signed_in(api, site)


async def test_d8_a_tightened_policy_reaches_open_sessions_at_once(api, site, clock):
    await login(api, site, "carol@example.com")
    clock.advance(5 * MINUTE)
    assert await signed_in(api, site)
    clock.advance(5 * MINUTE)
    ok(await api.patch(org_path("alpha", "globex"), json={"policy": {"session_absolute_minutes": 8}}), 200)
    assert not await signed_in(api, site)


async def test_d7_the_switcher_refuses_a_session_past_its_idle_limit(api, site, clock):
    ok(await api.patch(realm_path("alpha"), json={"policy": {"session_idle_minutes": 15}}), 200)
    await login(api, site, "bob@example.com")
    switcher = f"/realms/alpha/organizations/switch?client_id={site['app']['client_id']}"
    assert (await api.get(switcher)).status_code == 200
    clock.advance(14 * MINUTE)
    assert (await api.get(switcher)).status_code == 200, "the switcher is a use: it slides the idle limit"
    clock.advance(14 * MINUTE)
    assert (await api.get(switcher)).status_code == 200
    clock.advance(16 * MINUTE)
    refused = await api.get(switcher)
    assert refused.status_code == 401 and "login_required" in refused.text


async def test_s8_refresh_tokens_outlive_idleness_but_not_the_absolute_limit(api, site, clock):
    policy = {"session_idle_minutes": 30, "session_absolute_minutes": 120}
    ok(await api.patch(realm_path("alpha"), json={"policy": policy}), 200)
    token = (await tokens_for(api, site, "bob@example.com"))["refresh_token"]
    clock.advance(45 * MINUTE)
    assert not await signed_in(api, site)
    for step in (0, 37, 37):
        clock.advance(step * MINUTE)
        answer = await refresh(api, site, token)
        assert answer.status_code == 200, answer.text
        token = answer.json()["refresh_token"]
    clock.advance(2 * MINUTE)
    ended = await refresh(api, site, token)
    assert ended.status_code == 400 and ended.json()["error"] == "invalid_grant", "121 minutes after login"


async def test_s8_an_organizations_absolute_limit_ends_its_refresh_tokens(api, site, clock):
    ok(await api.patch(org_path("alpha", "acme"), json={"policy": {"session_absolute_minutes": 60}}), 200)
    bob = (await tokens_for(api, site, "bob@example.com"))["refresh_token"]
    api.cookies.clear()
    carol = (await tokens_for(api, site, "carol@example.com"))["refresh_token"]
    clock.advance(61 * MINUTE)
    assert (await refresh(api, site, bob)).json()["error"] == "invalid_grant"
    assert (await refresh(api, site, carol)).status_code == 200


async def test_s8_logout_after_the_idle_limit_still_ends_the_sessions_refresh_tokens(api, site, clock):
    ok(await api.patch(realm_path("alpha"), json={"policy": {"session_idle_minutes": 10}}), 200)
    token = (await tokens_for(api, site, "bob@example.com"))["refresh_token"]
    clock.advance(11 * MINUTE)
    assert (await api.get("/realms/alpha/oauth/logout")).status_code == 200
    assert (await refresh(api, site, token)).json()["error"] == "invalid_grant"
