"""SAML applications through the admin API: settings, SP metadata import, A4 uniqueness, realm isolation (A1, S5)."""

from __future__ import annotations

from tenantry.storage.control.changes import IGNORED_TABLES
from tests.integration.saml_helpers import local

SP_METADATA = """<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com/metadata">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:AssertionConsumerService index="1" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs/2"/>
    <md:AssertionConsumerService index="0" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs/1"/>
    <md:AssertionConsumerService index="2" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example.com/art"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>"""


async def _realms(api, *names):
    for name in names:
        assert (await api.post("/api/v1/realms", json={"name": name})).status_code == 201


async def test_i1_create_with_defaults_get_list_update_delete(api):
    await _realms(api, "alpha")
    body = {"name": "crm", "entity_id": "https://crm.example.com", "acs_urls": ["https://crm.example.com/acs"]}
    created = await api.post("/api/v1/realms/alpha/saml-applications", json=body)
    assert created.status_code == 201, created.text
    app = created.json()
    assert app["id"].startswith("app_")
    assert (app["sign_response"], app["sign_assertion"], app["signature_algorithm"]) == (True, True, "rsa-sha256")
    assert app["name_id_format"] == "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    assert app["metadata_url"].endswith(f"/realms/alpha/saml/{app['id']}/metadata")
    assert (await api.get("/api/v1/realms/alpha/saml-applications/crm")).json()["id"] == app["id"]
    listed = (await api.get("/api/v1/realms/alpha/saml-applications")).json()
    assert [item["id"] for item in listed["items"]] == [app["id"]]
    patched = await api.patch(f"/api/v1/realms/alpha/saml-applications/{app['id']}", json={"sign_response": False})
    assert patched.status_code == 200 and patched.json()["sign_response"] is False
    unsigned = await api.patch("/api/v1/realms/alpha/saml-applications/crm", json={"sign_assertion": False})
    assert unsigned.status_code == 400 and unsigned.json()["error"] == "unsigned_saml_response"
    assert (await api.get("/api/v1/realms/alpha/saml-applications/crm")).json()["sign_assertion"] is True
    metadata = await api.get(local(app["metadata_url"]))
    assert metadata.status_code == 200 and b"X509Certificate" in metadata.content
    assert (await api.delete("/api/v1/realms/alpha/saml-applications/crm")).status_code == 204
    assert (await api.get("/api/v1/realms/alpha/saml-applications/crm")).status_code == 404
    assert (await api.get(local(app["metadata_url"]))).status_code == 404


async def test_i1_import_sp_metadata(api):
    await _realms(api, "alpha")
    created = await api.post(
        "/api/v1/realms/alpha/saml-applications", json={"name": "imported", "metadata": SP_METADATA}
    )
    assert created.status_code == 201, created.text
    app = created.json()
    assert app["entity_id"] == "https://sp.example.com/metadata"
    assert app["acs_urls"] == ["https://sp.example.com/acs/1", "https://sp.example.com/acs/2"]
    assert app["name_id_format"] == "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    bad = await api.post("/api/v1/realms/alpha/saml-applications", json={"name": "bad", "metadata": "<x/>"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_sp_metadata"
    dtd = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + SP_METADATA.split("?>", 1)[1]
    refused = await api.post("/api/v1/realms/alpha/saml-applications", json={"name": "dtd", "metadata": dtd})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_sp_metadata"


async def test_a4_entity_id_unique_across_realms(api):
    await _realms(api, "alpha", "beta")
    body = {"name": "sp", "entity_id": "https://shared.example.com", "acs_urls": ["https://shared.example.com/acs"]}
    assert (await api.post("/api/v1/realms/alpha/saml-applications", json=body)).status_code == 201
    taken = await api.post("/api/v1/realms/beta/saml-applications", json=body)
    assert taken.status_code == 409 and taken.json()["error"] == "entity_id_taken"
    assert (await api.get("/api/v1/realms/beta/saml-applications")).json()["items"] == []
    imported = await api.post(
        "/api/v1/realms/beta/saml-applications",
        json={"name": "other", "metadata": SP_METADATA.replace("https://sp.example.com/metadata", body["entity_id"])},
    )
    assert imported.status_code == 409
    other = {**body, "entity_id": "https://beta.example.com"}
    assert (await api.post("/api/v1/realms/beta/saml-applications", json=other)).status_code == 201
    moved = await api.patch("/api/v1/realms/beta/saml-applications/sp", json={"entity_id": body["entity_id"]})
    assert moved.status_code == 409
    assert (await api.get("/api/v1/realms/beta/saml-applications/sp")).json()["entity_id"] == "https://beta.example.com"


async def test_a1_realm_b_never_sees_realm_a_saml_applications(api):
    await _realms(api, "alpha", "beta")
    body = {"name": "sp", "entity_id": "https://a.example.com", "acs_urls": ["https://a.example.com/acs"]}
    app = (await api.post("/api/v1/realms/alpha/saml-applications", json=body)).json()
    for ref in (app["id"], "sp"):
        assert (await api.get(f"/api/v1/realms/beta/saml-applications/{ref}")).status_code == 404
        assert (await api.patch(f"/api/v1/realms/beta/saml-applications/{ref}", json={})).status_code == 404
        assert (await api.delete(f"/api/v1/realms/beta/saml-applications/{ref}")).status_code == 404
    assert (await api.get("/api/v1/realms/beta/saml-applications")).json()["items"] == []
    assert (await api.get(f"/realms/beta/saml/{app['id']}/metadata")).status_code == 404
    assert (await api.get("/api/v1/realms/alpha/saml-applications/sp")).status_code == 200


async def test_s10_bad_settings_refused_and_nothing_written(api):
    await _realms(api, "alpha")
    base = {"name": "sp", "entity_id": "https://a.example.com"}
    cases = [
        ({**base, "acs_urls": ["http://evil.example.com/acs"]}, "invalid_acs_url"),
        ({**base, "acs_urls": ["javascript:alert(1)"]}, "invalid_acs_url"),
        (
            {**base, "acs_urls": ["https://a.example.com/acs"], "preset": "twilio_flex", "encrypt_assertion": True},
            "preset_fixed_field",
        ),
        (
            {**base, "acs_urls": ["https://a.example.com/acs"], "encrypt_assertion": True},
            "missing_encryption_certificate",
        ),
        (
            {**base, "acs_urls": ["https://a.example.com/acs"], "organization_prompt": "before_login"},
            "invalid_organization_usage",
        ),
    ]
    for body, code in cases:
        response = await api.post("/api/v1/realms/alpha/saml-applications", json=body)
        assert response.status_code == 400 and response.json()["error"] == code, (body, response.text)
    unknown = await api.post(
        "/api/v1/realms/alpha/saml-applications", json={**base, "acs_urls": ["https://a.example.com/acs"], "bogus": 1}
    )
    assert unknown.status_code in (400, 422)
    assert (await api.get("/api/v1/realms/alpha/saml-applications")).json()["items"] == []


def test_saml_applications_are_configuration_in_the_change_feed():
    """A write to saml_applications empties every node's configuration cache (it is not an ignored table)."""
    assert "saml_applications" not in IGNORED_TABLES
