"""The code and refresh grants, userinfo and revocation over HTTP (SPEC S1, D4; HOSTILE 1, 2, 5, 12, 13, 41).

A login is simulated by issuing a code through the grant service, as the hosted login does after
it has authenticated the user; everything after that goes through the realm's endpoints.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tenantry.protocols.oauth import authorize, pkce

FORM = {"content-type": "application/x-www-form-urlencoded"}
REDIRECT = "https://app.example.com/callback"
VERIFIER = "correct-horse-battery-staple-verifier-0123456789abcdef"


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(), **FORM}


@pytest.fixture
async def world(api, runtime):
    assert (await api.post("/api/v1/realms", json={"name": "alpha"})).status_code == 201
    await api.post("/api/v1/realms/alpha/connections", json={"name": "members"})
    org = (await api.post("/api/v1/realms/alpha/organizations", json={"name": "acme"})).json()
    await api.post("/api/v1/realms/alpha/roles", json={"name": "admin", "permissions": ["billing:read"]})
    user = (
        await api.post(
            "/api/v1/realms/alpha/users",
            json={
                "email": "alice@example.com",
                "password": "correct horse battery",
                "connection": "members",
                "name": "Alice",
                "email_verified": True,
            },
        )
    ).json()
    await api.post("/api/v1/realms/alpha/organizations/acme/members", json={"user_id": user["id"], "roles": ["admin"]})
    app = (
        await api.post(
            "/api/v1/realms/alpha/applications",
            json={
                "name": "web",
                "redirect_uris": [REDIRECT],
                "organization_usage": "allow",
                "grant_types": ["authorization_code", "refresh_token"],
            },
        )
    ).json()
    return {"user": user, "org": org, "app": app, "runtime": runtime}


async def _code(world, *, challenge: str | None = pkce.s256(VERIFIER), organization: bool = True) -> str:
    runtime = world["runtime"]
    async with runtime.ports.control.transaction() as tx:
        realm = await tx.realms.by_name("alpha")
        plane = await tx.planes.get(realm.home_plane_id)
    request = authorize.AuthorizationRequest(
        client_id=world["app"]["client_id"],
        redirect_uri=REDIRECT,
        scope="email openid profile",
        state="s",
        nonce="n-1",
        code_challenge=challenge,
        code_challenge_method="S256" if challenge else None,
        organization=None,
        prompt=frozenset(),
        max_age=None,
        login_hint=None,
    )
    return await runtime.services.grants.issue_code(
        realm,
        plane,
        request,
        user_id=world["user"]["id"],
        session_id=None,
        auth_time=runtime.clock.now(),
        organization_id=world["org"]["id"] if organization else None,
    )


async def _redeem(api, world, code: str, **extra):
    app = world["app"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": VERIFIER}
    form.update(extra)
    return await api.post(
        "/realms/alpha/oauth/token",
        data={k: v for k, v in form.items() if v is not None},
        headers=basic(app["client_id"], app["client_secret"]),
    )


async def _keys(api) -> KeySet:
    return KeySet.import_key_set((await api.get("/realms/alpha/.well-known/jwks.json")).json())


async def test_d4_code_exchange_gives_tokens_with_the_organization_context(api, world):
    response = await _redeem(api, world, await _code(world))
    assert response.status_code == 200, response.text
    body = response.json()
    keys = await _keys(api)
    id_token = jwt.decode(body["id_token"], keys, algorithms=["RS256"]).claims
    assert id_token["sub"] == world["user"]["id"] and id_token["nonce"] == "n-1"
    assert id_token["aud"] == world["app"]["client_id"] and id_token["email"] == "alice@example.com"
    assert id_token["org_id"] == world["org"]["id"] and id_token["org_name"] == "acme"
    assert id_token["roles"] == ["admin"] and id_token["permissions"] == ["billing:read"]
    access = jwt.decode(body["access_token"], keys, algorithms=["ES256"])
    assert access.header["typ"] == "at+jwt" and access.claims["org_id"] == world["org"]["id"]
    assert body["refresh_token"].startswith("pln_")


async def test_userinfo_answers_for_a_live_token(api, world):
    body = (await _redeem(api, world, await _code(world))).json()
    info = await api.get("/realms/alpha/oauth/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200
    assert info.json()["sub"] == world["user"]["id"] and info.json()["org_id"] == world["org"]["id"]
    bad = await api.get("/realms/alpha/oauth/userinfo", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_token"


async def test_hostile_1_a_replayed_code_revokes_what_the_first_use_issued(api, world):
    code = await _code(world)
    first = (await _redeem(api, world, code)).json()
    again = await _redeem(api, world, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    info = await api.get("/realms/alpha/oauth/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert info.status_code == 401
    refreshed = await _refresh(api, world, first["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "extra", [{"redirect_uri": REDIRECT + "/x"}, {"code_verifier": "w" * 50}, {"code_verifier": None}]
)
async def test_s1_code_bound_to_redirect_uri_and_verifier(api, world, extra):
    response = await _redeem(api, world, await _code(world), **extra)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()


async def test_hostile_5_a_verifier_without_a_challenge_is_refused(api, world):
    response = await _redeem(api, world, await _code(world, challenge=None))
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_hostile_2_a_code_redeemed_by_another_client_is_refused(api, world):
    other = (
        await api.post("/api/v1/realms/alpha/applications", json={"name": "other", "redirect_uris": [REDIRECT]})
    ).json()
    form = {
        "grant_type": "authorization_code",
        "code": await _code(world),
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    response = await api.post(
        "/realms/alpha/oauth/token", data=form, headers=basic(other["client_id"], other["client_secret"])
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_hostile_2_an_expired_code_is_refused(api, world, monkeypatch):
    code = await _code(world)
    clock = world["runtime"].clock
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = await _redeem(api, world, code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def _refresh(api, world, token: str, **extra):
    app = world["app"]
    return await api.post(
        "/realms/alpha/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token, **extra},
        headers=basic(app["client_id"], app["client_secret"]),
    )


async def test_refresh_rotates_and_reuse_after_the_leeway_kills_the_family(api, world, monkeypatch):
    first = (await _redeem(api, world, await _code(world))).json()
    second = await _refresh(api, world, first["refresh_token"])
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    clock = world["runtime"].clock
    later = clock.now() + timedelta(seconds=30)
    monkeypatch.setattr(clock, "now", lambda: later)
    reused = await _refresh(api, world, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    newest = await _refresh(api, world, second.json()["refresh_token"])
    assert newest.status_code == 400, "the whole family is revoked"


async def test_hostile_12_two_concurrent_refreshes_within_the_leeway_both_succeed(api, world):
    import asyncio

    first = (await _redeem(api, world, await _code(world))).json()
    answers = await asyncio.gather(*(_refresh(api, world, first["refresh_token"]) for _ in range(2)))
    assert [a.status_code for a in answers] == [200, 200]


async def test_hostile_13_a_wider_scope_on_refresh_is_refused(api, world):
    first = (await _redeem(api, world, await _code(world))).json()
    response = await _refresh(api, world, first["refresh_token"], scope="openid admin")
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


async def test_revocation_ends_the_family_and_unknown_tokens_are_fine(api, world):
    first = (await _redeem(api, world, await _code(world))).json()
    app = world["app"]
    headers = basic(app["client_id"], app["client_secret"])
    assert (
        await api.post("/realms/alpha/oauth/revoke", data={"token": first["refresh_token"]}, headers=headers)
    ).status_code == 200
    assert (await _refresh(api, world, first["refresh_token"])).status_code == 400
    info = await api.get("/realms/alpha/oauth/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert info.status_code == 401
    assert (await api.post("/realms/alpha/oauth/revoke", data={"token": "unknown"}, headers=headers)).status_code == 200


async def test_hostile_41_after_membership_removal_refresh_is_invalid_grant(api, world):
    first = (await _redeem(api, world, await _code(world))).json()
    removed = await api.delete(f"/api/v1/realms/alpha/organizations/acme/members/{world['user']['id']}")
    assert removed.status_code == 204
    response = await _refresh(api, world, first["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_hostile_40_realm_b_does_not_accept_realm_a_access_tokens(api, world):
    first = (await _redeem(api, world, await _code(world))).json()
    await api.post("/api/v1/realms", json={"name": "bravo"})
    info = await api.get("/realms/bravo/oauth/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert info.status_code == 401
