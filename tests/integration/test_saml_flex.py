"""The Twilio Flex preset end to end (SPEC I2, I3), organization context (D1, D3) and the error page."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.integration.saml_helpers import local, make_realm, saml_app, sign_in, walk
from tests.support.saml_peers import Posted, Pysaml2Sp, xmlsec_binary

FLEX_ACS = "https://iam.twilio.com/v1/Accounts/AC00000000000000000000000000000000/saml2"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"


@pytest.fixture
async def flex_site(api):
    users = await make_realm(
        api,
        "helpline",
        {
            "sam@example.com": {
                "given_name": "Sam",
                "family_name": "Vimes",
                "app_metadata": {"flex": {"roles": ["supervisor", "admin"]}},
            },
            "pat@example.com": {"name": "Pat Lee"},
        },
    )
    flex = await saml_app(
        api,
        "helpline",
        name="flex",
        entity_id="https://flex.example.com/AC0",
        acs_urls=[FLEX_ACS],
        preset="twilio_flex",
    )
    return {"users": users, "flex": flex}


async def _idp_initiated(api, app: dict, email: str, realm: str = "helpline", **steps) -> Posted:
    first = await api.get(local(app["login_url"]))
    page = await sign_in(api, realm, await walk(api, first), email, **steps)
    return Posted.from_page(page.text)


def _attributes(posted: Posted) -> dict[str, tuple[str, list[str]]]:
    root = etree.fromstring(posted.xml())
    return {
        item.get("Name"): (item.get("NameFormat"), [value.text for value in item.findall(f"{SAML}AttributeValue")])
        for item in root.iter(f"{SAML}Attribute")
    }


async def test_i3_flex_preset_contract_through_pysaml2(api, flex_site):
    if xmlsec_binary() is None:
        pytest.skip("pysaml2 needs the xmlsec1 program")
    flex = flex_site["flex"]
    assert [rule["name"] for rule in flex["attributes"]][:3] == ["email", "full_name", "roles"]
    posted = await _idp_initiated(api, flex, "sam@example.com")
    assert posted.acs_url == FLEX_ACS
    assert _attributes(posted) == {
        "email": (BASIC, ["sam@example.com"]),
        "full_name": (BASIC, ["Sam Vimes"]),
        "roles": (BASIC, ["supervisor,admin"]),
    }
    assert b"EncryptedAssertion" not in posted.xml()
    metadata = (await api.get(local(flex["metadata_url"]))).content
    accepted = Pysaml2Sp(flex["entity_id"], FLEX_ACS, metadata).accept(posted, None)
    assert accepted["name_id"] == "sam@example.com"
    assert accepted["attributes"]["roles"] == ["supervisor,admin"]
    name_id = etree.fromstring(posted.xml()).find(f".//{SAML}NameID")
    assert name_id.get("Format") == "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"


async def test_i2_flex_default_role_is_agent(api, flex_site):
    posted = await _idp_initiated(api, flex_site["flex"], "pat@example.com")
    attributes = _attributes(posted)
    assert attributes["roles"] == (BASIC, ["agent"])
    assert attributes["full_name"] == (BASIC, ["Pat Lee"])


async def test_i3_missing_required_attribute_stops_on_an_error_page(api, flex_site):
    strict = await saml_app(
        api,
        "helpline",
        name="hr",
        entity_id="https://hr.example.com",
        acs_urls=["https://hr.example.com/acs"],
        attributes=[{"name": "employee_id", "sources": ["app_metadata.employee_id"], "required": True}],
    )
    first = await api.get(local(strict["login_url"]))
    page = await sign_in(api, "helpline", await walk(api, first), "pat@example.com")
    assert page.status_code == 403
    assert "saml_attributes_missing" in page.text and "employee_id" in page.text
    assert "SAMLResponse" not in page.text


async def test_i4_organization_required_without_membership_gets_no_assertion(api, flex_site):
    app = await saml_app(
        api,
        "helpline",
        name="programs",
        entity_id="https://programs.example.com",
        acs_urls=["https://programs.example.com/acs"],
        organization_usage="require",
        organization_prompt="after_login",
    )
    posted = await _idp_initiated(api, app, "pat@example.com")
    root = etree.fromstring(posted.xml())
    assert root.find(f"{SAML}Assertion") is None
    codes = [item.get("Value") for item in root.iter("{urn:oasis:names:tc:SAML:2.0:protocol}StatusCode")]
    assert codes == ["urn:oasis:names:tc:SAML:2.0:status:Responder", "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"]


async def test_pattern_a_program_picker_sets_the_team(api, flex_site):
    realm = "helpline"
    for name, shown in (("food-bank", "Food Bank"), ("shelter", "Night Shelter")):
        await api.post(f"/api/v1/realms/{realm}/organizations", json={"name": name, "display_name": shown})
        await api.post(f"/api/v1/realms/{realm}/organizations/{name}/connections", json={"connection": "members"})
        body = {"user_id": flex_site["users"]["sam@example.com"]}
        assert (await api.post(f"/api/v1/realms/{realm}/organizations/{name}/members", json=body)).status_code == 201
    shelter = (await api.get(f"/api/v1/realms/{realm}/organizations/shelter")).json()["id"]
    app = await saml_app(
        api,
        realm,
        name="flex-programs",
        entity_id="https://flex.example.com/AC1",
        acs_urls=[FLEX_ACS],
        preset="twilio_flex",
        organization_usage="require",
        organization_prompt="after_login",
    )
    posted = await _idp_initiated(api, app, "sam@example.com", organization=shelter)
    assert _attributes(posted)["team"] == (BASIC, ["Night Shelter"])
