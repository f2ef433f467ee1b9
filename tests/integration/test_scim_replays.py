"""Replays of what Microsoft Entra ID and Okta send to a SCIM endpoint (SPEC H1-H5), on SQLite and PostgreSQL.

The request sequences and bodies follow the vendors' published documentation: Entra's "Develop and plan
provisioning for a SCIM endpoint" (capitalised ops, ``"False"`` strings, path-less replace with dotted and
URN keys, both member-removal dialects, the manager as a bare id) and Okta's "SCIM 2.0 protocol reference"
(existence check with ``startIndex``/``count``, a ``password`` in the create, full PUT, deactivation by
path-less replace, group rename carrying the group's id).
"""

from __future__ import annotations

import httpx

from tests.integration.api_helpers import make_connection, make_realm
from tests.support.scim import ENTERPRISE, GROUP, USER, Scim, scim_client

ENTRA_USER = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"
OKTA_USER = "test.user@example.com"


async def _scim(api: httpx.AsyncClient, realm: str) -> Scim:
    await make_realm(api, realm)
    await make_connection(api, realm, "directory")
    return await scim_client(api, realm, "directory")


async def _count(scim: Scim, path: str, **params: str) -> int:
    response = await scim.get(path, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    return response.json()["totalResults"]


async def test_entra_user_lifecycle(api: httpx.AsyncClient):
    scim = await _scim(api, "entra")
    assert await _count(scim, "/Users", filter=f'userName eq "{ENTRA_USER}"') == 0
    created = await scim.post(
        "/Users",
        {
            "schemas": [USER, ENTERPRISE],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": ENTRA_USER,
            "active": True,
            "emails": [{"primary": True, "type": "work", "value": "Test_User_fd0ea19b@example.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [],
        },
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert created.headers["location"] == user["meta"]["location"].replace(
        "http://127.0.0.1:8000", "http://127.0.0.1:8000"
    )
    assert user["meta"]["resourceType"] == "User" and user["meta"]["version"] == created.headers["etag"]
    assert {"created", "lastModified", "location"} <= set(user["meta"])
    uid = user["id"]
    assert (await scim.get(f"/Users/{uid}")).json()["userName"] == ENTRA_USER
    assert await _count(scim, "/Users", filter=f'userName eq "{ENTRA_USER.upper()}"') == 1
    assert await _count(scim, "/Users", filter='userName eq "non-existent user"') == 0

    updated = await scim.patch(
        f"/Users/{uid}",
        [
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@example.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        ],
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["emails"][0]["value"] == "updatedEmail@example.com"
    assert updated.json()["name"]["familyName"] == "updatedFamilyName"
    assert await _count(scim, "/Users", filter='emails[type eq "work"].value eq "UPDATEDemail@example.com"') == 1

    pathless = await scim.patch(
        f"/Users/{uid}",
        [
            {
                "op": "Replace",
                "value": {
                    "displayName": "Updated Display",
                    "name.givenName": "updatedGivenName",
                    f"{ENTERPRISE}:department": "Engineering",
                },
            },
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": "26118915-6090-4610-87a4-49d0767e3d7d"},
        ],
    )
    assert pathless.status_code == 200, pathless.text
    body = pathless.json()
    assert body["displayName"] == "Updated Display" and body["name"]["givenName"] == "updatedGivenName"
    assert body[ENTERPRISE] == {
        "department": "Engineering",
        "manager": {"value": "26118915-6090-4610-87a4-49d0767e3d7d"},
    }

    disabled = await scim.patch(f"/Users/{uid}", [{"op": "Replace", "path": "active", "value": "False"}])
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert await _count(scim, "/Users", filter="active eq false") == 1
    enabled = await scim.patch(f"/Users/{uid}", [{"op": "Replace", "value": {"active": "True"}}])
    assert enabled.json()["active"] is True

    assert (await scim.delete(f"/Users/{uid}")).status_code == 204
    assert (await scim.get(f"/Users/{uid}")).status_code == 404


async def test_entra_group_lifecycle_with_both_member_removals(api: httpx.AsyncClient):
    scim = await _scim(api, "entra-groups")
    ids = []
    for name in ("first", "second"):
        response = await scim.post("/Users", {"schemas": [USER], "userName": f"{name}@example.com", "active": True})
        ids.append(response.json()["id"])
    query = {"excludedAttributes": "members", "filter": 'displayName eq "displayName"'}
    assert await _count(scim, "/Groups", **query) == 0
    created = await scim.post(
        "/Groups",
        {
            "schemas": [GROUP],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"},
        },
    )
    assert created.status_code == 201, created.text
    gid = created.json()["id"]
    assert (await scim.get(f"/Groups/{gid}", excludedAttributes="members")).json()["displayName"] == "displayName"
    added = await scim.patch(
        f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": uid} for uid in ids]}]
    )
    assert added.status_code == 200, added.text
    assert sorted(m["value"] for m in added.json()["members"]) == sorted(ids)
    assert await _count(scim, "/Groups", filter=f'members[value eq "{ids[0]}"]') == 1

    by_value = await scim.patch(
        f"/Groups/{gid}", [{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": ids[0]}]}]
    )
    assert [m["value"] for m in by_value.json()["members"]] == [ids[1]]
    by_filter = await scim.patch(f"/Groups/{gid}", [{"op": "Remove", "path": f'members[value eq "{ids[1]}"]'}])
    assert "members" not in by_filter.json()
    renamed = await scim.patch(
        f"/Groups/{gid}", [{"op": "Replace", "path": "displayName", "value": "updatedDisplayName"}]
    )
    assert renamed.json()["displayName"] == "updatedDisplayName"
    assert (await scim.delete(f"/Groups/{gid}")).status_code == 204
    assert (await scim.get(f"/Groups/{gid}")).status_code == 404


async def test_okta_user_put_and_deactivation(api: httpx.AsyncClient):
    scim = await _scim(api, "okta")
    existing = await scim.get("/Users", filter=f'userName eq "{OKTA_USER}"', startIndex="1", count="100")
    assert existing.json() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }
    created = await scim.post(
        "/Users",
        {
            "schemas": [USER],
            "userName": OKTA_USER,
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": True, "value": OKTA_USER, "type": "work"}],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "password": "1mz050nq",
            "active": True,
        },
        headers={"Content-Type": "application/json"},
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert "password" not in user
    uid = user["id"]
    put = await scim.put(
        f"/Users/{uid}",
        {
            "schemas": [USER],
            "id": uid,
            "userName": OKTA_USER,
            "name": {"givenName": "Another", "familyName": "User"},
            "emails": [{"primary": True, "value": OKTA_USER, "type": "work"}],
            "displayName": "Another User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "active": True,
            "meta": {"resourceType": "User"},
        },
    )
    assert put.status_code == 200, put.text
    assert put.json()["name"] == {"givenName": "Another", "familyName": "User"} and "password" not in put.json()
    deactivated = await scim.patch(f"/Users/{uid}", [{"op": "replace", "value": {"active": False}}])
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert (await scim.get(f"/Users/{uid}")).json()["active"] is False  # H5: still readable


async def test_okta_group_push(api: httpx.AsyncClient):
    scim = await _scim(api, "okta-groups")
    uid = (await scim.post("/Users", {"schemas": [USER], "userName": OKTA_USER, "active": True})).json()["id"]
    created = await scim.post("/Groups", {"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []})
    assert created.status_code == 201, created.text
    gid = created.json()["id"]
    renamed = await scim.patch(
        f"/Groups/{gid}", [{"op": "replace", "value": {"id": gid, "displayName": "Test SCIMv2 updated"}}]
    )
    assert renamed.status_code == 200 and renamed.json()["displayName"] == "Test SCIMv2 updated"
    added = await scim.patch(
        f"/Groups/{gid}", [{"op": "add", "path": "members", "value": [{"value": uid, "display": OKTA_USER}]}]
    )
    assert added.json()["members"][0]["value"] == uid
    removed = await scim.patch(f"/Groups/{gid}", [{"op": "remove", "path": f'members[value eq "{uid}"]'}])
    assert "members" not in removed.json()
    put = await scim.put(
        f"/Groups/{gid}",
        {
            "schemas": [GROUP],
            "id": gid,
            "displayName": "Test SCIMv2",
            "members": [{"value": uid, "display": OKTA_USER}],
        },
    )
    assert put.status_code == 200 and [m["value"] for m in put.json()["members"]] == [uid]
    assert (await scim.delete(f"/Groups/{gid}")).status_code == 204
