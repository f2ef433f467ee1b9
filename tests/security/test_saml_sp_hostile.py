"""Hostile SAML Responses at an enterprise connection's ACS (SPEC S3, S4; HOSTILE 19-31, 45-46).

Each case starts a real login (identifier → HTTP-Redirect AuthnRequest), then POSTs a Response
built from a genuine signed one by the attack's rewrite. Every case must be refused with no
session cookie, no user and no identity written; one genuine login at the end proves the set-up
accepts what it should.
"""

from __future__ import annotations

import base64
import copy
import zlib
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from tenantry.bootstrap import Runtime
from tenantry.core.domain import DomainClaim
from tenantry.services.access import system_actor
from tests.integration.test_hosted_login import REDIRECT, authorize_url, post_step
from tests.support import saml_idp
from tests.support.saml_idp import NS, Claims, KeyPair, encoded, evil_copy, the_assertion

IDP = "https://idp.acme.example.com/saml"
SSO = "https://idp.acme.example.com/sso"


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return saml_idp.key_pair()


@pytest.fixture(scope="module")
def attacker() -> KeyPair:
    return saml_idp.key_pair("attacker")


async def verify_domain(runtime: Runtime, realm: str, org: str, domain: str) -> None:
    """Mark a claim verified as a DNS check would (DNS itself is covered in tests/integration/test_domains.py)."""
    claim = await runtime.services.domains.claim(system_actor("test"), realm, org, domain)
    async with runtime.ports.control.transaction() as tx:
        stored: DomainClaim | None = await tx.domains(claim.realm_id).get(claim.id)
        assert stored is not None
        stored.status, stored.verified_at = "verified", runtime.clock.now()
        await tx.domains(claim.realm_id).update(stored)


@pytest.fixture
async def saml_site(api, runtime: Runtime, keys: KeyPair):
    assert (await api.post("/api/v1/realms", json={"name": "alpha"})).status_code == 201
    await api.post("/api/v1/realms/alpha/connections", json={"name": "members"})
    await api.post("/api/v1/realms/alpha/organizations", json={"name": "acme", "display_name": "Acme"})
    await api.post("/api/v1/realms/alpha/roles", json={"name": "engineer"})
    created = await api.post(
        "/api/v1/realms/alpha/organizations/acme/enterprise-connections",
        json={
            "name": "acme-saml",
            "kind": "saml",
            "saml": {"entity_id": IDP, "sso_url": SSO, "certificates": [keys.cert_pem]},
            "mapping": {"email": "email", "groups": "groups", "roles": {"eng": ["engineer"]}},
        },
    )
    assert created.status_code == 201, created.text
    await verify_domain(runtime, "alpha", "acme", "acme.example.com")
    app = (
        await api.post(
            "/api/v1/realms/alpha/applications",
            json={"name": "web", "redirect_uris": [REDIRECT], "organization_usage": "allow"},
        )
    ).json()
    return {"app": app, "connection": created.json()}


async def start_login_location(api, site, email: str) -> str:
    """Identifier-first login in a fresh browser: where the email step sends it."""
    api.cookies.clear()
    page = await api.get(authorize_url(site))
    assert page.status_code == 200, page.text
    sent = await post_step(api, "identifier", page.text, email=email)
    return str(sent.headers["location"])


async def start(api, site, email: str = "alice@acme.example.com") -> str:
    """Identifier-first login → the AuthnRequest's ID (HRD sends the verified domain to the IdP)."""
    location = await start_login_location(api, site, email)
    assert location.startswith(SSO), location
    request = parse_qs(urlsplit(location).query)["SAMLRequest"][0]
    xml = zlib.decompress(base64.b64decode(request), -15)
    return str(etree.fromstring(xml).get("ID"))


def claims_for(site, request_id: str | None, **changes) -> Claims:
    endpoints = site["connection"]["endpoints"]
    base = Claims(issuer=IDP, audience=endpoints["entity_id"], acs=endpoints["acs"], in_response_to=request_id)
    for name, value in changes.items():
        setattr(base, name, value)
    return base


async def post_acs(api, site, saml_response: str):
    acs = site["connection"]["endpoints"]["acs"]
    return await api.post(urlsplit(acs).path, data={"SAMLResponse": saml_response})


async def users_in_connection(runtime: Runtime, connection_id: str) -> int:
    async with runtime.ports.control.transaction() as tx:
        plane = await tx.planes.get((await tx.realms.by_name("alpha")).home_plane_id)
    async with runtime.ports.planes.transaction(plane, await _realm_id(runtime)) as data:
        return await data.users.count(connection_id)


async def _realm_id(runtime: Runtime) -> str:
    async with runtime.ports.control.transaction() as tx:
        return (await tx.realms.by_name("alpha")).id


# --- the attacks: each takes (site, request id, keys, attacker keys) and returns SAMLResponse ----------------


def _xsw_response_wrapping(inside_signature: bool) -> Callable[..., str]:
    """XSW1/XSW2: an evil unsigned Response around (or before) the genuinely signed Response."""

    def build(site, request_id, keys, attacker) -> str:
        signed = saml_idp.response(claims_for(site, request_id), keys, sign_assertion=False, sign_response=True)
        evil = evil_copy(signed)
        evil.set("ID", "_evil")
        signature = evil.find("ds:Signature", NS)
        if inside_signature:
            signature.append(signed)
        else:
            evil.insert(1, signed)
        return encoded(evil)

    return build


def _xsw_assertion(where: str) -> Callable[..., str]:
    """XSW3-8: an evil Assertion beside, around, or in place of the signed one, the original hidden elsewhere."""

    def build(site, request_id, keys, attacker) -> str:
        root = saml_idp.response(claims_for(site, request_id), keys)
        original = the_assertion(root)
        evil = evil_copy(original)
        if where == "before":  # XSW3
            for signature in evil.findall("ds:Signature", NS):
                evil.remove(signature)
            root.insert(root.index(original), evil)
        elif where == "around":  # XSW4
            for signature in evil.findall("ds:Signature", NS):
                evil.remove(signature)
            root.replace(original, evil)
            evil.append(original)
        elif where == "end":  # XSW5: the evil one keeps the signature, the original goes last
            root.replace(original, evil)
            root.append(original)
        elif where == "in_signature":  # XSW6/XSW8: the original inside the evil one's ds:Signature/ds:Object
            root.replace(original, evil)
            obj = etree.SubElement(evil.find("ds:Signature", NS), f"{{{saml_idp.DSIG}}}Object")
            obj.append(original)
        elif where == "extensions":  # XSW7
            extensions = etree.Element(f"{{{saml_idp.PROTOCOL}}}Extensions")
            extensions.append(evil)
            root.insert(1, extensions)
        return encoded(root)

    return build


def _stripped(site, request_id, keys, attacker) -> str:
    root = saml_idp.response(claims_for(site, request_id), keys, sign_response=True)
    for signature in root.iter(f"{{{saml_idp.DSIG}}}Signature"):
        signature.getparent().remove(signature)
    return encoded(root)


def _two_assertions(site, request_id, keys, attacker) -> str:
    root = saml_idp.response(claims_for(site, request_id), keys)
    root.append(saml_idp.assertion(claims_for(site, request_id, name_id="ceo@acme.example.com")))
    return encoded(root)


def _comment_in_name_id(site, request_id, keys, attacker) -> str:
    """HOSTILE 23: the attacker's own valid assertion for alice@acme.example.com.evil.com, a comment added
    after signing (exclusive c14n drops comments, so the signature still holds)."""
    root = saml_idp.response(claims_for(site, request_id, name_id="alice@acme.example.com.evil.com"), keys)
    raw = etree.tostring(root).replace(b"alice@acme.example.com.evil.com", b"alice@acme.example.com<!---->.evil.com")
    return encoded(raw)


def _doctype(site, request_id, keys, attacker) -> str:
    root = saml_idp.response(claims_for(site, request_id), keys)
    body = etree.tostring(root).replace(b"alice@acme.example.com", b"&who;")
    return encoded(b'<!DOCTYPE r [<!ENTITY who "alice@acme.example.com">]>' + body)


def _billion_laughs(site, request_id, keys, attacker) -> str:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    return encoded(f"<!DOCTYPE r [{entities}]><r>&l9;</r>".encode())


def _changed(**changes) -> Callable[..., str]:
    def build(site, request_id, keys, attacker) -> str:
        return encoded(saml_idp.response(claims_for(site, request_id, **changes), keys))

    return build


def _unsolicited(site, request_id, keys, attacker) -> str:
    return encoded(saml_idp.response(claims_for(site, None), keys))


def _keyinfo_certificate(site, request_id, keys, attacker) -> str:
    """HOSTILE 26: signed by a key whose certificate travels in KeyInfo, but is not the pinned one."""
    return encoded(saml_idp.response(claims_for(site, request_id), attacker))


def _foreign_reference(site, request_id, keys, attacker) -> str:
    """A valid signature over another element (the Status) presented as the Assertion's (HOSTILE 25)."""
    root = saml_idp.response(claims_for(site, request_id), keys, sign_assertion=False)
    status = root.find("samlp:Status", NS)
    status.set("ID", "_status")
    signed_status = saml_idp.sign(status, keys)
    signature = signed_status.find("ds:Signature", NS)
    the_assertion(root).insert(1, copy.deepcopy(signature))
    return encoded(root)


def _encrypted_beside(site, request_id, keys, attacker) -> str:
    root = saml_idp.response(claims_for(site, request_id), keys)
    etree.SubElement(root, f"{{{saml_idp.ASSERTION}}}EncryptedAssertion")
    return encoded(root)


HOSTILE: dict[str, tuple[Callable[..., str], str]] = {
    "xsw1": (_xsw_response_wrapping(inside_signature=True), "wrapped_response"),
    "xsw2": (_xsw_response_wrapping(inside_signature=False), "wrapped_response"),
    "xsw3": (_xsw_assertion("before"), "assertion_count"),
    "xsw4": (_xsw_assertion("around"), "assertion_count"),
    "xsw5": (_xsw_assertion("end"), "assertion_count"),
    "xsw6_xsw8": (_xsw_assertion("in_signature"), "assertion_count"),
    "xsw7": (_xsw_assertion("extensions"), "assertion_count"),
    "signature_stripped": (_stripped, "unsigned"),
    "two_assertions": (_two_assertions, "assertion_count"),
    "assertion_and_encrypted": (_encrypted_beside, "encrypted_assertion_unsupported"),
    "comment_in_name_id": (_comment_in_name_id, "comment_or_instruction_refused"),
    "doctype_entity": (_doctype, "dtd_refused"),
    "billion_laughs": (_billion_laughs, "dtd_refused"),
    "wrong_audience": (_changed(audience="https://other.example.com/federation/x"), "wrong_audience"),
    "wrong_recipient": (_changed(recipient="https://other.example.com/acs"), "wrong_recipient"),
    "wrong_destination": (_changed(destination="https://other.example.com/acs"), "wrong_destination"),
    "wrong_issuer": (_changed(issuer="https://idp.evil.example.com"), "wrong_issuer"),
    "expired": (_changed(lifetime=timedelta(minutes=-10)), "expired"),
    "unsolicited": (_unsolicited, "unsolicited"),
    "keyinfo_certificate": (_keyinfo_certificate, "signature_invalid"),
    "foreign_reference": (_foreign_reference, "bad_reference"),
}


async def _nothing_written(runtime: Runtime, site, api) -> None:
    assert await users_in_connection(runtime, site["connection"]["id"]) == 0
    assert not any(name.startswith("tnt_session_") for name in api.cookies.keys())


async def test_s3_hostile_responses_are_refused_and_change_nothing(api, runtime, saml_site, keys, attacker):
    for case, (build, reason) in HOSTILE.items():
        request_id = await start(api, saml_site)
        answer = await post_acs(api, saml_site, build(saml_site, request_id, keys, attacker))
        assert answer.status_code == 403, f"{case}: {answer.status_code} {answer.text[:300]}"
        assert reason in answer.text, f"{case}: expected {reason}, got {answer.text[-400:]}"
        await _nothing_written(runtime, saml_site, api)


async def test_s3_replayed_response_is_refused(api, runtime, saml_site, keys):
    request_id = await start(api, saml_site)
    genuine = encoded(saml_idp.response(claims_for(saml_site, request_id), keys))
    first = await post_acs(api, saml_site, genuine)
    assert first.status_code == 303
    again = await post_acs(api, saml_site, genuine)
    assert again.status_code == 403 and "replayed" in again.text


async def test_s3_response_for_another_browsers_request_is_refused(api, runtime, saml_site, keys):
    """HOSTILE 29: a genuine Response answering someone else's AuthnRequest (cross-session InResponseTo)."""
    theirs = await start(api, saml_site)
    await start(api, saml_site)  # this browser's own login, with another request id
    handed = await post_acs(api, saml_site, encoded(saml_idp.response(claims_for(saml_site, theirs), keys)))
    assert handed.status_code == 303
    finished = await api.get(handed.headers["location"])
    assert finished.status_code == 403 and "wrong_in_response_to" in finished.text
    await _nothing_written(runtime, saml_site, api)


async def login(api, site, keys, request_id: str, **changes):
    handed = await post_acs(api, site, encoded(saml_idp.response(claims_for(site, request_id, **changes), keys)))
    assert handed.status_code == 303, handed.text
    return await api.get(handed.headers["location"])


async def test_genuine_login_provisions_the_user_with_mapped_roles(api, runtime, saml_site, keys):
    request_id = await start(api, saml_site)
    attributes = {"email": ["alice@acme.example.com"], "groups": ["eng", "unmapped"]}
    done = await login(api, saml_site, keys, request_id, attributes=attributes)
    assert done.status_code == 302, done.text
    assert done.headers["location"].startswith(REDIRECT) and "code=" in done.headers["location"]
    assert await users_in_connection(runtime, saml_site["connection"]["id"]) == 1
    members = (await api.get("/api/v1/realms/alpha/organizations/acme/members")).json()["items"]
    assert [(m["roles"], m["source"]) for m in members] == [(["engineer"], "jit")]


async def test_s4_email_outside_the_verified_domains_is_refused_and_audited(api, runtime, saml_site, keys):
    request_id = await start(api, saml_site)
    done = await login(api, saml_site, keys, request_id, name_id="ceo@globex.example.com")
    assert done.status_code == 403 and "domain_not_verified" in done.text
    await _nothing_written(runtime, saml_site, api)
    events = (await api.get("/api/v1/realms/alpha/audit", params={"action": "federation.login_refused"})).json()
    assert any(e["details"]["reason"] == "domain_not_verified" for e in events["items"])


async def test_s4_unverified_email_never_links_to_an_existing_account(api, runtime, saml_site, keys):
    """A second upstream subject asserting the first one's email (SAML states no verification) → no link."""
    first = await login(api, saml_site, keys, await start(api, saml_site))
    assert first.status_code == 302
    other = await login(api, saml_site, keys, await start(api, saml_site), name_id="alice@acme.example.com")
    assert other.status_code == 302  # the same subject again: the same user, updated
    before = await users_in_connection(runtime, saml_site["connection"]["id"])
    request_id = await start(api, saml_site)
    intruder = await login(
        api, saml_site, keys, request_id, name_id="intruder-42", attributes={"email": ["alice@acme.example.com"]}
    )
    assert intruder.status_code == 403 and "unverified_email_exists" in intruder.text
    assert await users_in_connection(runtime, saml_site["connection"]["id"]) == before == 1


async def test_s4_same_email_in_the_shared_pool_becomes_a_distinct_user(api, runtime, saml_site, keys):
    shared = await api.post(
        "/api/v1/realms/alpha/users",
        json={"email": "alice@acme.example.com", "password": "correct horse battery", "connection": "members"},
    )
    assert shared.status_code == 201
    done = await login(api, saml_site, keys, await start(api, saml_site))
    assert done.status_code == 302
    async with runtime.ports.control.transaction() as tx:
        realm = await tx.realms.by_name("alpha")
        plane = await tx.planes.get(realm.home_plane_id)
    async with runtime.ports.planes.transaction(plane, realm.id) as data:
        found = await data.users.with_email("alice@acme.example.com")
        identities = await data.identities.for_user(shared.json()["id"])
    assert len(found) == 2
    assert all(identity.connection_id != saml_site["connection"]["id"] for identity in identities)


async def test_sp_metadata_names_the_acs_and_entity_id(api, saml_site):
    endpoints = saml_site["connection"]["endpoints"]
    answer = await api.get(urlsplit(endpoints["metadata"]).path)
    assert answer.status_code == 200
    root = etree.fromstring(answer.content)
    assert root.get("entityID") == endpoints["entity_id"]
    acs = root.find(".//{urn:oasis:names:tc:SAML:2.0:metadata}AssertionConsumerService")
    assert acs.get("Location") == endpoints["acs"]
