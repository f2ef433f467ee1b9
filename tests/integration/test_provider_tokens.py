"""The realm's token endpoint: client_credentials with organizations (D5), introspection (RFC 7662),
discovery and JWKS; hostile cases of S1/S2/S5 (HOSTILE 6, 14, 40)."""

from __future__ import annotations

import base64

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

FORM = {"content-type": "application/x-www-form-urlencoded"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}", **FORM}


async def _realm(api, name: str) -> dict:
    assert (await api.post("/api/v1/realms", json={"name": name})).status_code == 201
    org = (await api.post(f"/api/v1/realms/{name}/organizations", json={"name": "acme"})).json()
    other = (await api.post(f"/api/v1/realms/{name}/organizations", json={"name": "globex"})).json()
    app = (
        await api.post(
            f"/api/v1/realms/{name}/applications",
            json={
                "name": "worker",
                "grant_types": ["client_credentials"],
                "organization_usage": "allow",
                "organization_ids": [org["id"]],
            },
        )
    ).json()
    return {"org": org, "other": other, "app": app, "base": f"/realms/{name}"}


@pytest.fixture
async def realm(api):
    return await _realm(api, "alpha")


async def _token(api, realm, **form) -> object:
    app = realm["app"]
    return await api.post(
        f"{realm['base']}/oauth/token",
        data={"grant_type": "client_credentials", **form},
        headers=basic(app["client_id"], app["client_secret"]),
    )


async def _jwks(api, base: str) -> KeySet:
    return KeySet.import_key_set((await api.get(f"{base}/.well-known/jwks.json")).json())


async def test_discovery_names_the_realms_issuer_and_real_endpoints(api, realm):
    meta = (await api.get(f"{realm['base']}/.well-known/openid-configuration")).json()
    issuer = "http://127.0.0.1:8000/realms/alpha"
    assert meta["issuer"] == issuer
    assert meta["token_endpoint"] == f"{issuer}/oauth/token"
    assert meta["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "password" not in meta["grant_types_supported"]


async def test_unknown_realm_fails_closed(api):
    response = await api.get("/realms/nope/.well-known/openid-configuration")
    assert response.status_code == 404


async def test_a3_a_custom_domain_serves_its_realm_with_its_own_issuer(api):
    await api.post("/api/v1/realms", json={"name": "bravo", "custom_domain": "login.bravo.example"})
    meta = (await api.get("/.well-known/openid-configuration", headers={"Host": "login.bravo.example"})).json()
    assert meta["issuer"] == "https://login.bravo.example"
    unknown = await api.get("/.well-known/openid-configuration", headers={"Host": "evil.example"})
    assert unknown.status_code == 404


async def test_jwks_publishes_public_keys_only(api, realm):
    keys = (await api.get(f"{realm['base']}/.well-known/jwks.json")).json()["keys"]
    assert {key["alg"] for key in keys} >= {"ES256", "RS256"}
    assert all("d" not in key and "p" not in key for key in keys)


async def test_d5_client_credentials_with_a_granted_organization(api, realm):
    response = await _token(api, realm, organization="acme")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    token = jwt.decode(body["access_token"], await _jwks(api, realm["base"]), algorithms=["ES256"])
    assert token.header["typ"] == "at+jwt"
    assert token.claims["org_id"] == realm["org"]["id"] and token.claims["org_name"] == "acme"
    assert token.claims["client_id"] == realm["app"]["client_id"]
    assert token.claims["iss"] == "http://127.0.0.1:8000/realms/alpha"


async def test_d5_an_organization_the_application_was_not_granted_is_refused(api, realm):
    for org in ("globex", realm["other"]["id"], "no-such-org"):
        response = await _token(api, realm, organization=org)
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"
        assert "access_token" not in response.json()


async def test_s1_client_authentication_failures_look_alike(api, realm):
    base = realm["base"]
    wrong = await api.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(realm["app"]["client_id"], "wrong"),
    )
    unknown = await api.post(
        f"{base}/oauth/token", data={"grant_type": "client_credentials"}, headers=basic("nobody", "wrong")
    )
    missing = await api.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"}, headers=FORM)
    for response in (wrong, unknown, missing):
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize("grant", ["password", "implicit", "token", "urn:ietf:params:oauth:grant-type:device_code"])
async def test_hostile_6_other_grants_are_refused(api, realm, grant):
    response = await _token(api, realm, grant_type=grant)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


async def test_s10_malformed_token_requests_are_invalid_request(api, realm):
    app = realm["app"]
    headers = basic(app["client_id"], app["client_secret"])
    repeated = await api.post(
        f"{realm['base']}/oauth/token", content=b"grant_type=client_credentials&scope=a&scope=b", headers=headers
    )
    as_json = await api.post(
        f"{realm['base']}/oauth/token",
        json={"grant_type": "client_credentials"},
        headers={"Authorization": headers["Authorization"]},
    )
    both = await api.post(
        f"{realm['base']}/oauth/token", data={"grant_type": "client_credentials", "client_secret": "x"}, headers=headers
    )
    for response in (repeated, as_json, both):
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_a_token_is_introspected_as_active_by_its_realm(api, realm):
    token = (await _token(api, realm, organization="acme")).json()["access_token"]
    app = realm["app"]
    answer = (
        await api.post(
            f"{realm['base']}/oauth/introspect",
            data={"token": token},
            headers=basic(app["client_id"], app["client_secret"]),
        )
    ).json()
    assert answer["active"] is True and answer["org_id"] == realm["org"]["id"]


async def test_hostile_40_another_realm_finds_the_token_inactive(api, realm):
    token = (await _token(api, realm)).json()["access_token"]
    bravo = await _realm(api, "bravo")
    app = bravo["app"]
    answer = (
        await api.post(
            f"{bravo['base']}/oauth/introspect",
            data={"token": token},
            headers=basic(app["client_id"], app["client_secret"]),
        )
    ).json()
    assert answer == {"active": False}


async def test_hostile_14_introspection_needs_client_authentication(api, realm):
    token = (await _token(api, realm)).json()["access_token"]
    response = await api.post(f"{realm['base']}/oauth/introspect", data={"token": token}, headers=FORM)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    forged = await api.post(
        f"{realm['base']}/oauth/introspect", data={"token": token}, headers=basic(realm["app"]["client_id"], "guess")
    )
    assert forged.status_code == 401


async def test_garbage_is_inactive(api, realm):
    app = realm["app"]
    for token in ("", "abc", "a.b.c", "e30.e30.e30"):
        answer = await api.post(
            f"{realm['base']}/oauth/introspect",
            data={"token": token},
            headers=basic(app["client_id"], app["client_secret"]),
        )
        assert answer.status_code in (200, 400)
        if answer.status_code == 200:
            assert answer.json() == {"active": False}
