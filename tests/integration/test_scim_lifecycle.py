"""SCIM lifecycle (SPEC H5, H8, H9, C5): deactivation ends sessions at once, groups give roles at once,
isolated organizations get distinct users, and an authoritative SCIM refuses users it never created."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tenantry.bootstrap import Runtime
from tenantry.core.grant import Session, TokenFamily
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.services.scim_gate import refused_by_scim
from tests.integration.api_helpers import make_connection, make_org, make_realm, make_role, make_user, members
from tests.support.scim import GROUP, scim_client, user_body, work_email

V1 = "/api/v1"


async def _where(runtime: Runtime, realm: str) -> tuple[Realm, DataPlane]:
    async with runtime.ports.control.transaction() as tx:
        found = await tx.realms.by_name(realm)
        assert found is not None
        plane = await tx.planes.get(found.home_plane_id)
    assert plane is not None
    return found, plane


async def test_h5_deactivation_ends_sessions_and_refresh_tokens_at_once(api: httpx.AsyncClient, runtime: Runtime):
    await make_realm(api, "h5")
    await make_connection(api, "h5", "directory")
    scim = await scim_client(api, "h5", "directory")
    uid = (await scim.post("/Users", user_body("dana@example.com"))).json()["id"]
    realm, plane = await _where(runtime, "h5")
    now = runtime.clock.now()
    later = now + timedelta(hours=1)
    async with runtime.ports.planes.transaction(plane, realm.id) as data:
        await data.sessions.add(Session("ses-dana", realm.id, uid, "con", now, now, now, later, later))
        await data.grants.add_family(TokenFamily("fam-dana", realm.id, uid, "client", now, "ses-dana"))
    response = await scim.patch(f"/Users/{uid}", [{"op": "Replace", "path": "active", "value": "False"}])
    assert response.status_code == 200 and response.json()["active"] is False
    async with runtime.ports.planes.transaction(plane, realm.id) as data:
        session = await data.sessions.get("ses-dana")
        family = await data.grants.family("fam-dana")
        user = await data.users.get(uid)
    assert session is not None and session.revoked_at is not None
    assert family is not None and family.revoked_at is not None
    assert user is not None and user.blocked
    assert (await scim.get(f"/Users/{uid}")).status_code == 200


async def test_h8_groups_map_to_roles_in_the_tokens_organization_at_once(api: httpx.AsyncClient):
    await make_realm(api, "h8")
    await make_connection(api, "h8", "directory")
    await make_org(api, "h8", "acme")
    await api.post(f"{V1}/realms/h8/organizations/acme/connections", json={"connection": "directory"})
    for role in ("developer", "admin"):
        await make_role(api, "h8", role)
    settings = await api.patch(
        f"{V1}/realms/h8/connections/directory/scim", json={"group_roles": {"Engineering": ["developer"]}}
    )
    assert settings.status_code == 200 and settings.json()["base_url"].endswith("/realms/h8/scim/v2")
    unknown = await api.patch(f"{V1}/realms/h8/connections/directory/scim", json={"group_roles": {"X": ["nope"]}})
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_role"
    scim = await scim_client(api, "h8", "directory", organization="acme")
    uid = (await scim.post("/Users", user_body("eve@example.com", roles=[{"value": "admin"}]))).json()["id"]
    assert (await members(api, "h8", "acme")) == {uid: []}  # a SCIM "roles" value grants nothing (HOSTILE 38)
    engineering = (await scim.post("/Groups", {"schemas": [GROUP], "displayName": "Engineering"})).json()["id"]
    admins = (await scim.post("/Groups", {"schemas": [GROUP], "displayName": "Admins"})).json()["id"]
    await scim.patch(f"/Groups/{admins}", [{"op": "add", "path": "members", "value": [{"value": uid}]}])
    assert (await members(api, "h8", "acme")) == {uid: []}  # an unmapped group grants nothing
    await scim.patch(f"/Groups/{engineering}", [{"op": "add", "path": "members", "value": [{"value": uid}]}])
    assert (await members(api, "h8", "acme")) == {uid: ["developer"]}
    await scim.patch(f"/Groups/{engineering}", [{"op": "remove", "path": f'members[value eq "{uid}"]'}])
    assert (await members(api, "h8", "acme")) == {uid: []}
    events = (await api.get(f"{V1}/realms/h8/audit", params={"limit": 200})).json()["items"]
    assert {"scim.user_created", "scim.roles_synced", "scim.group_created"} <= {e["action"] for e in events}


async def test_c5_an_isolated_organization_gets_a_new_distinct_user(api: httpx.AsyncClient):
    await make_realm(api, "c5")
    await make_connection(api, "c5", "members")
    shared = await make_user(api, "c5", "alice@example.com", connection="members")
    await make_org(api, "c5", "sales", isolated=True)
    refused = await api.post(
        f"{V1}/realms/c5/connections/members/scim/tokens", json={"name": "x", "organization": "sales"}
    )
    assert refused.status_code == 400 and refused.json()["error"] == "connection_not_enabled"
    scim = await scim_client(api, "c5", "org-sales")
    created = await scim.post("/Users", user_body("alice@example.com", emails=work_email("alice@example.com")))
    assert created.status_code == 201
    provisioned = created.json()["id"]
    assert provisioned != shared["id"]
    assert (await members(api, "c5", "sales")) == {provisioned: []}
    after = (await api.get(f"{V1}/realms/c5/users/{shared['id']}")).json()
    assert after["email"] == "alice@example.com" and after["connection_id"] == shared["connection_id"]


async def test_h9_an_authoritative_scim_refuses_users_it_never_created(api: httpx.AsyncClient, runtime: Runtime):
    await make_realm(api, "h9")
    await make_connection(api, "h9", "directory")
    local = await make_user(api, "h9", "local@example.com", connection="directory")
    scim = await scim_client(api, "h9", "directory")
    provisioned = (await scim.post("/Users", user_body("idp@example.com"))).json()["id"]
    realm, plane = await _where(runtime, "h9")
    configuration = runtime.services.configuration

    async def refused(user_id: str) -> bool:
        async with runtime.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(user_id)
        assert user is not None
        return await refused_by_scim(runtime.ports, configuration, realm, user, plane)

    assert not await refused(local["id"]) and not await refused(provisioned)  # JIT / local logins as before
    switched = await api.patch(f"{V1}/realms/h9/connections/directory/scim", json={"authoritative": True})
    assert switched.json()["authoritative"] is True
    assert await refused(local["id"]) and not await refused(provisioned)
