"""Per-realm signing keys on both backends: creation with the realm, sealing at rest, rotation that
publishes before use and retires after the tokens expire, immediate revocation, one issuer per key
(SPEC S2, S5; HOSTILE 11, 40, 64, 65)."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey
from pydantic import SecretStr
from sqlalchemy import delete, select, text

from tenantry.bootstrap import Runtime
from tenantry.core.errors import InvalidInput, NotFound, Unavailable
from tenantry.core.signing_key import SigningKey
from tenantry.services.access import system_actor
from tenantry.storage.tables_control import signing_keys
from tests.integration.api_helpers import audit_lengths, ok, realm_path, refused
from tests.support.api import api_client, bearer
from tests.support.clock import ManualClock
from tests.support.databases import deployment

PUBLISH = 60
RETIRE = 300
OPERATOR = system_actor("test")
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def keyed(backend: str, tmp_path, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with deployment(
        backend, tmp_path, clock=clock, key_publish_seconds=PUBLISH, key_retire_seconds=RETIRE
    ) as runtime:
        yield runtime


@pytest.fixture
async def client(keyed: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(keyed) as api:
        yield api


async def make_realm(api: httpx.AsyncClient, name: str) -> dict:
    return ok(await api.post("/api/v1/realms", json={"name": name}), 201)


async def listed(api: httpx.AsyncClient, realm: str) -> dict[str, dict]:
    return {key["kid"]: key for key in ok(await api.get(f"{realm_path(realm)}/keys"))["items"]}


def sign(key: SigningKey, issuer: str | None = None) -> str:
    private = ECKey.import_key(key.private_pem) if key.alg == "ES256" else RSAKey.import_key(key.private_pem)
    claims = {"iss": issuer or key.issuer, "sub": "usr_x"}
    return jwt.encode({"alg": key.alg, "kid": key.kid, "typ": "at+jwt"}, claims, private, algorithms=[key.alg])


def verifies(token: str, jwks: dict) -> bool:
    try:
        jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["ES256", "RS256"])
    except JoseError:
        return False
    return True


def kids(jwks: dict) -> set[str]:
    return {key["kid"] for key in jwks["keys"]}


async def test_s2_a_new_realm_has_an_active_es256_and_rs256_key_bound_to_its_issuer(client, keyed):
    realm = await make_realm(client, "alpha")
    keys = list((await listed(client, "alpha")).values())
    assert sorted((key["alg"], key["status"]) for key in keys) == [("ES256", "active"), ("RS256", "active")]
    assert {key["issuer"] for key in keys} == {realm["issuer"]}
    assert all(key["kid"].startswith("key_") and key["retire_after"] is None for key in keys)
    events = ok(await client.get(f"{realm_path('alpha')}/audit"))["items"]
    assert [(e["action"], sorted(e["details"]["kids"])) for e in events] == [
        ("realm.created", sorted(key["kid"] for key in keys))
    ]


async def test_s2_jwks_carries_public_keys_only_with_kid_alg_and_use(client, keyed):
    realm = await make_realm(client, "alpha")
    jwks = await keyed.services.keys.jwks(realm["id"])
    assert sorted((key["kty"], key["alg"], key["use"]) for key in jwks["keys"]) == [
        ("EC", "ES256", "sig"),
        ("RSA", "RS256", "sig"),
    ]
    assert all(not PRIVATE_MEMBERS & set(key) for key in jwks["keys"])
    assert kids(jwks) == set(await listed(client, "alpha"))
    answer = await client.get(f"{realm_path('alpha')}/keys")
    assert "PRIVATE" not in answer.text and "private" not in answer.text and '"d"' not in answer.text
    assert all(key.private_pem == b"" for key in await keyed.services.keys.list(OPERATOR, "alpha"))


async def test_private_keys_are_sealed_at_rest_and_need_the_master_key(client, keyed):
    realm = await make_realm(client, "alpha")
    async with keyed.engines.control.connect() as conn:
        rows = (await conn.execute(text("SELECT kid, sealed_private_key FROM signing_keys"))).all()
    assert len(rows) == 2
    for _, sealed in rows:
        assert "PRIVATE KEY" not in sealed and "BEGIN" not in sealed
        assert "PRIVATE KEY" in keyed.ports.secrets.open(sealed).decode()
    signing = await keyed.services.keys.signing_key(realm["id"], "ES256")
    assert signing.private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")

    other_key = SecretStr(base64.urlsafe_b64encode(os.urandom(32)).decode())
    stranger = Runtime(keyed.settings.model_copy(update={"master_key": other_key}))
    try:
        with pytest.raises(Unavailable) as caught:
            await stranger.services.keys.signing_key(realm["id"], "ES256")
        assert caught.value.code == "master_key_mismatch"
    finally:
        await stranger.close()


async def test_hostile_64_rotation_publishes_first_signs_later_and_retires_after_tokens_expire(client, keyed, clock):
    realm = await make_realm(client, "alpha")
    keys = keyed.services.keys
    old = await keys.signing_key(realm["id"], "ES256")
    old_token = sign(old)

    rotated = ok(await client.post(f"{realm_path('alpha')}/keys/rotate", json={"alg": "ES256"}), 201)
    assert rotated["status"] == "next" and rotated["alg"] == "ES256"
    jwks = await keys.jwks(realm["id"])
    assert {old.kid, rotated["kid"]} <= kids(jwks)
    state = await listed(client, "alpha")
    assert state[old.kid]["status"] == "active"
    assert state[old.kid]["retire_after"] is not None

    clock.advance(PUBLISH - 1)
    assert (await keys.signing_key(realm["id"], "ES256")).kid == old.kid

    clock.advance(1)
    new = await keys.signing_key(realm["id"], "ES256")
    assert new.kid == rotated["kid"]
    state = await listed(client, "alpha")
    assert (state[old.kid]["status"], state[new.kid]["status"]) == ("retiring", "active")
    jwks = await keys.jwks(realm["id"])
    assert {old.kid, new.kid} <= kids(jwks)
    assert verifies(old_token, jwks) and verifies(sign(new), jwks)
    assert (await keys.signing_key(realm["id"], "RS256")).status == "active"

    clock.advance(RETIRE - 1)
    assert verifies(old_token, await keys.jwks(realm["id"]))
    clock.advance(1)
    jwks = await keys.jwks(realm["id"])
    assert old.kid not in kids(jwks) and not verifies(old_token, jwks)
    assert (await listed(client, "alpha"))[old.kid]["status"] == "retired"
    assert [key.kid for key in await keys.verification_keys(realm["id"]) if key.alg == "ES256"] == [new.kid]


async def test_a_second_rotation_while_one_is_pending_is_409_and_writes_nothing(client, keyed, clock):
    await make_realm(client, "alpha")
    rotate = f"{realm_path('alpha')}/keys/rotate"
    pending = ok(await client.post(rotate, json={"alg": "ES256"}), 201)
    before, audit = await listed(client, "alpha"), await audit_lengths(client)
    details = refused(await client.post(rotate, json={"alg": "ES256"}), 409, "rotation_pending")
    assert details["kid"] == pending["kid"]
    assert await listed(client, "alpha") == before and await audit_lengths(client) == audit
    assert ok(await client.post(rotate, json={"alg": "RS256"}), 201)["alg"] == "RS256"
    clock.advance(PUBLISH)
    assert ok(await client.post(rotate, json={"alg": "ES256"}), 201)["status"] == "next"
    actions = [e["action"] for e in ok(await client.get(f"{realm_path('alpha')}/audit"))["items"]]
    assert actions.count("signing_key.rotated") == 3


async def test_rotation_takes_only_es256_or_rs256(client, keyed):
    await make_realm(client, "alpha")
    rotate = f"{realm_path('alpha')}/keys/rotate"
    for body in ({"alg": "HS256"}, {"alg": "none"}, {}, {"alg": "ES256", "kid": "mine"}):
        refused(await client.post(rotate, json=body), 400, "invalid_request")
    with pytest.raises(InvalidInput) as caught:
        await keyed.services.keys.rotate(OPERATOR, "alpha", "HS256")
    assert caught.value.code == "unsupported_algorithm"
    assert len(await listed(client, "alpha")) == 2


async def test_hostile_65_a_revoked_key_leaves_the_jwks_at_once_and_is_replaced(client, keyed):
    realm = await make_realm(client, "alpha")
    keys = keyed.services.keys
    compromised = await keys.signing_key(realm["id"], "ES256")
    token = sign(compromised)
    assert verifies(token, await keys.jwks(realm["id"]))

    revoked = ok(await client.post(f"{realm_path('alpha')}/keys/{compromised.kid}/revoke"))
    assert revoked["status"] == "revoked"
    jwks = await keys.jwks(realm["id"])
    assert compromised.kid not in kids(jwks) and not verifies(token, jwks)
    replacement = await keys.signing_key(realm["id"], "ES256")
    assert replacement.kid != compromised.kid and replacement.kid in kids(jwks)
    assert verifies(sign(replacement), jwks)
    again = ok(await client.post(f"{realm_path('alpha')}/keys/{compromised.kid}/revoke"))
    assert again == revoked
    actions = [e["action"] for e in ok(await client.get(f"{realm_path('alpha')}/audit"))["items"]]
    assert actions[-2:] == ["signing_key.revoked", "signing_key.created"]


async def test_hostile_65_revoking_the_active_key_activates_the_published_successor(client, keyed):
    realm = await make_realm(client, "alpha")
    keys = keyed.services.keys
    old = await keys.signing_key(realm["id"], "RS256")
    successor = ok(await client.post(f"{realm_path('alpha')}/keys/rotate", json={"alg": "RS256"}), 201)
    ok(await client.post(f"{realm_path('alpha')}/keys/{old.kid}/revoke"))
    assert (await keys.signing_key(realm["id"], "RS256")).kid == successor["kid"]
    assert (await listed(client, "alpha"))[successor["kid"]]["status"] == "active"


async def test_revoking_the_pending_key_cancels_the_rotation(client, keyed, clock):
    realm = await make_realm(client, "alpha")
    keys = keyed.services.keys
    current = await keys.signing_key(realm["id"], "ES256")
    pending = ok(await client.post(f"{realm_path('alpha')}/keys/rotate", json={"alg": "ES256"}), 201)
    ok(await client.post(f"{realm_path('alpha')}/keys/{pending['kid']}/revoke"))
    state = await listed(client, "alpha")
    assert state[current.kid]["retire_after"] is None and state[pending["kid"]]["status"] == "revoked"
    clock.advance(PUBLISH + RETIRE + 1)
    assert (await keys.signing_key(realm["id"], "ES256")).kid == current.kid
    assert ok(await client.post(f"{realm_path('alpha')}/keys/rotate", json={"alg": "ES256"}), 201)


async def test_s2_keys_of_an_old_issuer_never_sign_again(client, keyed):
    realm = await make_realm(client, "alpha")
    keys = keyed.services.keys
    before = await keys.signing_key(realm["id"], "ES256")
    moved = ok(await client.patch(realm_path("alpha"), json={"custom_domain": "id.alpha.example.com"}))
    after = await keys.signing_key(realm["id"], "ES256")
    assert after.kid != before.kid and after.issuer == moved["issuer"] == "https://id.alpha.example.com"
    jwks = await keys.jwks(realm["id"])
    assert before.kid not in kids(jwks) and not verifies(sign(before), jwks)
    assert (await listed(client, "alpha"))[before.kid]["status"] == "retired"


async def test_ensure_is_idempotent_and_makes_one_key_per_algorithm_under_concurrency(client, keyed):
    realm = await make_realm(client, "alpha")
    async with keyed.engines.control.begin() as conn:
        await conn.execute(delete(signing_keys).where(signing_keys.c.realm_id == realm["id"]))
    keys = keyed.services.keys
    await asyncio.gather(*(keys.ensure(realm["id"]) for _ in range(6)))
    await keys.ensure(realm["id"])
    state = list((await listed(client, "alpha")).values())
    assert sorted((key["alg"], key["status"]) for key in state) == [("ES256", "active"), ("RS256", "active")]
    keys_events = [e for e in ok(await client.get(f"{realm_path('alpha')}/audit"))["items"] if "signing" in e["action"]]
    assert [(e["action"], e["actor"]) for e in keys_events] == [("signing_key.created", "operator:keys")] * 2


async def test_a_missing_realm_has_no_keys(keyed):
    with pytest.raises(NotFound) as caught:
        await keyed.services.keys.jwks("rlm_01m7zvn824e40twjev4zxr7j3a")
    assert caught.value.code == "realm_not_found"


async def test_s5_another_realms_admin_gets_404_on_every_key_route(client, keyed):
    await make_realm(client, "alpha")
    await make_realm(client, "bravo")
    ok(await client.post(f"{realm_path('alpha')}/organizations", json={"name": "acme"}), 201)
    alpha_admin = ok(await client.post("/api/v1/tokens", json={"name": "a", "kind": "realm_admin", "realm": "alpha"}))
    org_admin = ok(
        await client.post(
            "/api/v1/tokens", json={"name": "o", "kind": "org_admin", "realm": "alpha", "organization": "acme"}
        )
    )
    bravo_kid = next(iter(await listed(client, "bravo")))
    before = await listed(client, "bravo")
    headers = bearer(alpha_admin["token"])
    for method, path, body in (
        ("GET", f"{realm_path('bravo')}/keys", None),
        ("POST", f"{realm_path('bravo')}/keys/rotate", {"alg": "ES256"}),
        ("POST", f"{realm_path('bravo')}/keys/{bravo_kid}/revoke", None),
    ):
        refused(await client.request(method, path, json=body, headers=headers), 404, "realm_not_found")
    refused(
        await client.post(f"{realm_path('alpha')}/keys/{bravo_kid}/revoke", headers=headers),
        404,
        "signing_key_not_found",
    )
    assert await listed(client, "bravo") == before
    assert ok(await client.get(f"{realm_path('alpha')}/keys", headers=headers))["items"]
    refused(
        await client.get(f"{realm_path('alpha')}/keys", headers=bearer(org_admin["token"])), 403, "insufficient_scope"
    )
    refused(
        await client.post(
            f"{realm_path('alpha')}/keys/rotate", json={"alg": "ES256"}, headers=bearer(org_admin["token"])
        ),
        403,
        "insufficient_scope",
    )


async def test_a2_hostile_40_a_token_signed_by_realm_a_does_not_verify_against_realm_b(client, keyed):
    alpha = await make_realm(client, "alpha")
    bravo = await make_realm(client, "bravo")
    keys = keyed.services.keys
    bravo_jwks = await keys.jwks(bravo["id"])
    for alg in ("ES256", "RS256"):
        alpha_key = await keys.signing_key(alpha["id"], alg)
        assert verifies(sign(alpha_key), await keys.jwks(alpha["id"]))
        assert not verifies(sign(alpha_key, issuer=bravo["issuer"]), bravo_jwks)
    assert not kids(await keys.jwks(alpha["id"])) & kids(bravo_jwks)


async def test_deleting_a_realm_deletes_its_keys(client, keyed):
    realm = await make_realm(client, "alpha")
    assert (await client.delete(realm_path("alpha"))).status_code == 204
    async with keyed.engines.control.connect() as conn:
        left = (await conn.execute(select(signing_keys.c.kid).where(signing_keys.c.realm_id == realm["id"]))).all()
    assert left == []
