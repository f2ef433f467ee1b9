"""SAML IdP single sign-on through HTTP, checked by pysaml2 and python3-saml as service providers (SPEC I4, I5)."""

from __future__ import annotations

import pytest

from tests.integration.saml_helpers import local, make_realm, saml_app, sign_in, walk
from tests.support.saml_peers import (
    POST,
    REDIRECT,
    OneLoginSp,
    Posted,
    Pysaml2Sp,
    idp_from_metadata,
    sp_key_pair,
    xmlsec_binary,
)

REALM = "northwind"
ACS = "https://sp.example.com/acs"
PEERS = ["pysaml2", "python3-saml"]


@pytest.fixture
async def sp_site(api):
    users = await make_realm(api, REALM, {"dana@example.com": {"name": "Dana Scully", "app_metadata": {"dept": "x"}}})
    apps = {}
    for peer in PEERS:
        apps[peer] = await saml_app(
            api,
            REALM,
            name=peer.replace("3-", "").replace("python", "py"),
            entity_id=f"https://sp.example.com/{peer}",
            acs_urls=[f"{ACS}/{peer}"],
            attributes=[
                {"name": "mail", "sources": ["email"], "required": True},
                {"name": "displayName", "sources": ["name"]},
            ],
        )
    return {"users": users, "apps": apps}


async def _peer(api, app: dict, peer: str):
    metadata = await api.get(local(app["metadata_url"]))
    assert metadata.status_code == 200
    assert metadata.headers["content-type"].startswith("application/samlmetadata+xml")
    if peer == "pysaml2":
        if xmlsec_binary() is None:
            pytest.skip("pysaml2 needs the xmlsec1 program (Debian: apt-get install xmlsec1)")
        return Pysaml2Sp(app["entity_id"], app["acs_urls"][0], metadata.content)
    return OneLoginSp(app["entity_id"], app["acs_urls"][0], idp_from_metadata(metadata.content))


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("binding", [REDIRECT, POST])
async def test_i4_sp_initiated_accepted_by_peer(api, sp_site, peer, binding):
    app = sp_site["apps"][peer]
    sp = await _peer(api, app, peer)
    request_id, url, fields = sp.authn_request(binding, "/deep/link?x=1")
    if binding == REDIRECT:
        first = await api.get(local(url))
    else:
        assert url == app["sso_url"]
        first = await api.post(local(url), data=fields)
        assert first.status_code == 303
    page = await sign_in(api, REALM, await walk(api, first), "dana@example.com")
    posted = Posted.from_page(page.text)
    assert posted.acs_url == app["acs_urls"][0]
    assert posted.relay_state == "/deep/link?x=1"
    accepted = sp.accept(posted, request_id)
    assert accepted["name_id"] == sp_site["users"]["dana@example.com"]
    assert accepted["attributes"]["mail"] == ["dana@example.com"]
    assert accepted["attributes"]["displayName"] == ["Dana Scully"]


@pytest.mark.parametrize("peer", PEERS)
async def test_i4_idp_initiated_accepted_by_peer(api, sp_site, peer):
    app = sp_site["apps"][peer]
    sp = await _peer(api, app, peer)
    first = await api.get(local(app["login_url"]) + "?RelayState=/home")
    page = await sign_in(api, REALM, await walk(api, first), "dana@example.com")
    posted = Posted.from_page(page.text)
    assert posted.relay_state == "/home"
    accepted = sp.accept(posted, None)
    assert accepted["attributes"]["mail"] == ["dana@example.com"]


async def test_encrypted_assertion_for_an_sp_that_takes_one(api, sp_site):
    """python3-saml decrypts the EncryptedAssertion with its own key and checks the signatures inside."""
    key_pair = sp_key_pair()
    app = await saml_app(
        api,
        REALM,
        name="vault",
        entity_id="https://vault.example.com/sp",
        acs_urls=["https://vault.example.com/acs"],
        encrypt_assertion=True,
        encryption_certificate=key_pair[1],
        attributes=[{"name": "mail", "sources": ["email"], "required": True}],
    )
    metadata = await api.get(local(app["metadata_url"]))
    sp = OneLoginSp(app["entity_id"], app["acs_urls"][0], idp_from_metadata(metadata.content), key_pair)
    request_id, url, _ = sp.authn_request(REDIRECT, None)
    page = await sign_in(api, REALM, await walk(api, await api.get(local(url))), "dana@example.com")
    posted = Posted.from_page(page.text)
    assert b"EncryptedAssertion" in posted.xml() and b"dana@example.com" not in posted.xml()
    assert sp.accept(posted, request_id)["attributes"]["mail"] == ["dana@example.com"]
