"""Hostile SCIM requests (SPEC H6, H7, S5; HOSTILE 33-39): each is refused and nothing changes."""

from __future__ import annotations

from typing import Any

import httpx

from tenantry.bootstrap import Runtime
from tests.integration.api_helpers import make_connection, make_realm, make_user
from tests.support.scim import USER, Scim, scim_client, user_body, work_email

V1 = "/api/v1"
GROUP_BODY = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Renamed"}


async def _snapshot(scim: Scim) -> list[dict[str, Any]]:
    """Every user and group the token sees, as the server renders them (versions included)."""
    users = (await scim.get("/Users")).json()["Resources"]
    groups = (await scim.get("/Groups")).json()["Resources"]
    return users + groups


async def _password_hash(runtime: Runtime, realm: str, user_id: str) -> str | None:
    async with runtime.ports.control.transaction() as tx:
        found = await tx.realms.by_name(realm)
        assert found is not None
        plane = await tx.planes.get(found.home_plane_id)
    assert plane is not None
    async with runtime.ports.planes.transaction(plane, found.id) as data:
        return await data.credentials.password_hash(user_id)


async def _two_connections(api: httpx.AsyncClient, realm: str) -> tuple[Scim, Scim]:
    await make_realm(api, realm)
    await make_connection(api, realm, "members")
    await make_connection(api, realm, "directory")
    return await scim_client(api, realm, "directory"), await scim_client(api, realm, "members", name="other")


async def test_hostile_33_another_connections_ids_are_404_and_its_users_invisible(api: httpx.AsyncClient):
    mine, theirs = await _two_connections(api, "h33")
    bob = (await theirs.post("/Users", user_body("bob@example.com"))).json()
    group = (
        await theirs.post(
            "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Theirs"}
        )
    ).json()
    before = await _snapshot(theirs)
    replacements = {f"/Users/{bob['id']}": user_body("x@example.com"), f"/Groups/{group['id']}": GROUP_BODY}
    for path, body in replacements.items():
        assert (await mine.get(path)).status_code == 404
        assert (await mine.put(path, body)).status_code == 404
        assert (await mine.patch(path, [{"op": "replace", "path": "displayName", "value": "pwned"}])).status_code == 404
        assert (await mine.delete(path)).status_code == 404
    assert (await mine.get("/Users", filter='userName eq "bob@example.com"')).json()["totalResults"] == 0
    assert (await mine.get("/Groups")).json()["totalResults"] == 0
    member = await mine.post(
        "/Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Mine",
            "members": [{"value": bob["id"]}],
        },
    )
    assert member.status_code == 400 and member.json()["scimType"] == "invalidValue"
    assert await _snapshot(theirs) == before
    assert (await mine.get("/Groups")).json()["totalResults"] == 0


async def test_s5_a_token_of_realm_a_is_401_on_realm_b(api: httpx.AsyncClient):
    mine, _ = await _two_connections(api, "s5a")
    await make_realm(api, "s5b")
    await make_connection(api, "s5b", "members")
    other = await scim_client(api, "s5b", "members")
    victim = (await other.post("/Users", user_body("victim@example.com"))).json()
    stolen = Scim(api, "/realms/s5b/scim/v2", mine.token, mine.token_id)
    before = await _snapshot(other)
    for response in (
        await stolen.get(f"/Users/{victim['id']}"),
        await stolen.post("/Users", user_body("intruder@example.com")),
        await stolen.patch(f"/Users/{victim['id']}", [{"op": "replace", "path": "active", "value": False}]),
    ):
        assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
    assert await _snapshot(other) == before


async def test_hostile_34_a_password_never_becomes_a_credential_nor_comes_back(
    api: httpx.AsyncClient, runtime: Runtime
):
    scim, _ = await _two_connections(api, "h34")
    created = await scim.post("/Users", user_body("pat@example.com", password="correct horse battery staple"))
    assert created.status_code == 201 and "password" not in created.json()
    uid = created.json()["id"]
    await scim.put(f"/Users/{uid}", user_body("pat@example.com", password="another horse battery staple"))
    patched = await scim.patch(f"/Users/{uid}", [{"op": "replace", "path": "password", "value": "third horse battery"}])
    assert "password" not in patched.json() and "password" not in (await scim.get(f"/Users/{uid}")).text
    assert await _password_hash(runtime, "h34", uid) is None


async def test_hostile_35_an_email_of_another_account_is_never_adopted_nor_rewritten(api: httpx.AsyncClient):
    scim, _ = await _two_connections(api, "h35")
    local = await make_user(api, "h35", "alice@example.com", connection="members", name="Alice Local")
    same_pool = await make_user(api, "h35", "carol@example.com", connection="directory", name="Carol Local")
    created = await scim.post(
        "/Users", user_body("alice", emails=work_email("alice@example.com"), displayName="Alice IdP")
    )
    assert created.status_code == 201 and created.json()["id"] != local["id"]
    clash = await scim.post("/Users", user_body("carol", emails=work_email("Carol@Example.com")))
    assert clash.status_code == 409 and clash.json()["scimType"] == "uniqueness"
    for user in (local, same_pool):
        after = (await api.get(f"{V1}/realms/h35/users/{user['id']}")).json()
        assert (after["email"], after["name"]) == (user["email"], user["name"])
    assert (await scim.get(f"/Users/{same_pool['id']}")).status_code == 404  # never adopted


async def test_hostile_37_user_names_differing_by_case_or_unicode_form_conflict(api: httpx.AsyncClient):
    scim, _ = await _two_connections(api, "h37")
    assert (await scim.post("/Users", user_body("Zoë.Müller"))).status_code == 201
    for twin in ("ZOË.MÜLLER", "Zoe\u0308.Mu\u0308ller"):
        response = await scim.post("/Users", user_body(twin))
        assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"
    assert (await scim.get("/Users")).json()["totalResults"] == 1


async def test_revoked_and_rotated_tokens_are_refused_and_change_nothing(api: httpx.AsyncClient):
    scim, _ = await _two_connections(api, "tokens")
    base = f"{V1}/realms/tokens/connections/directory/scim/tokens"
    rotated = (await api.post(f"{base}/{scim.token_id}/rotate")).json()
    assert (await scim.post("/Users", user_body("late@example.com"))).status_code == 401
    fresh = Scim(api, scim.base, rotated["token"], rotated["id"])
    assert (await fresh.get("/Users")).json()["totalResults"] == 0
    assert (await api.post(f"{base}/{fresh.token_id}/revoke")).json()["revoked_at"] is not None
    assert (await fresh.post("/Users", user_body("later@example.com"))).status_code == 401
    listed = (await api.get(base)).json()["items"]
    assert len(listed) == 2 and all(item["revoked_at"] for item in listed) and "token" not in listed[0]
    third = await scim_client(api, "tokens", "directory", name="third")
    assert (await third.get("/Users")).json()["totalResults"] == 0


async def test_hostile_39_a_stale_if_match_is_412_and_changes_nothing(api: httpx.AsyncClient):
    scim, _ = await _two_connections(api, "h39")
    created = await scim.post("/Users", user_body("ifmatch@example.com"))
    uid, first = created.json()["id"], created.headers["etag"]
    second = await scim.patch(
        f"/Users/{uid}", [{"op": "replace", "path": "displayName", "value": "v2"}], headers={"If-Match": first}
    )
    assert second.status_code == 200 and second.headers["etag"] != first
    stale = await scim.patch(
        f"/Users/{uid}", [{"op": "replace", "path": "displayName", "value": "v3"}], headers={"If-Match": first}
    )
    assert stale.status_code == 412
    assert (await scim.delete(f"/Users/{uid}", headers={"If-Match": first})).status_code == 412
    current = await scim.get(f"/Users/{uid}")
    assert current.json()["displayName"] == "v2" and current.headers["etag"] == second.headers["etag"]


async def test_h4_a_failing_operation_leaves_the_resource_unchanged(api: httpx.AsyncClient):
    scim, _ = await _two_connections(api, "h4")
    created = (await scim.post("/Users", user_body("atomic@example.com", displayName="Before"))).json()
    response = await scim.patch(
        f"/Users/{created['id']}",
        [{"op": "replace", "path": "displayName", "value": "After"}, {"op": "remove", "path": "userName"}],
    )
    assert response.status_code == 400 and response.json()["scimType"] == "mutability"
    assert (await scim.get(f"/Users/{created['id']}")).json() == created


async def test_bad_requests_answer_scim_errors(api: httpx.AsyncClient):
    scim, _ = await _two_connections(api, "bad")
    unsupported = await scim.get("/Users", filter='title eq "x"')
    assert unsupported.status_code == 400 and unsupported.json()["scimType"] == "invalidFilter"
    garbled = await scim.get("/Users", filter='userName zz "x"')
    assert garbled.status_code == 400 and garbled.json()["scimType"] == "invalidFilter"
    broken = await api.post(
        f"{scim.base}/Users",
        content=b"{not json",
        headers={"Authorization": f"Bearer {scim.token}", "Content-Type": "application/scim+json"},
    )
    assert broken.status_code == 400 and broken.json()["scimType"] == "invalidSyntax"
    assert (await scim.post("/Users", {"schemas": [USER]})).status_code == 400
    assert (
        await scim.post("/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]})
    ).status_code == 501
    assert (await api.get(f"{scim.base}/Users")).status_code == 401
    assert (await scim.get("/Users")).json()["totalResults"] == 0
