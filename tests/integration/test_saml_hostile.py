"""Hostile SAML requests to the IdP (SPEC I4, S5; HOSTILE 24, 32): each is refused on our own page, with
no assertion, no redirect and nothing written (no login state, no session, no single-use mark)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.saml_helpers import local, make_realm, saml_app, sign_in, walk
from tests.support.saml_peers import redirect_request

ACS = "https://sp.example.com/acs"


def authn_request(
    issuer: str, *, acs: str | None = ACS, request_id: str = "_r1", when: datetime | None = None
) -> bytes:
    instant = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    acs_attr = f' AssertionConsumerServiceURL="{acs}"' if acs else ""
    return (
        f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{request_id}" Version="2.0" '
        f'IssueInstant="{instant}"{acs_attr}><saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>'
    ).encode()


@pytest.fixture
async def two_realms(api):
    await make_realm(api, "alpha", {"ann@example.com": {"name": "Ann"}})
    await make_realm(api, "beta", {"ben@example.com": {"name": "Ben"}})
    a = await saml_app(api, "alpha", name="sp", entity_id="https://sp.example.com/alpha", acs_urls=[ACS])
    b = await saml_app(api, "beta", name="sp", entity_id="https://sp.example.com/beta", acs_urls=[f"{ACS}/b"])
    return {"alpha": a, "beta": b}


def _refused(response, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.text[:1000]
    assert code in response.text
    assert "SAMLResponse" not in response.text
    assert "location" not in response.headers
    assert not any(name.startswith(("tnt_tx_", "tnt_session_")) for name in response.cookies)


async def test_hostile32_unregistered_acs_refused(api, two_realms):
    app = two_realms["alpha"]
    for acs in ("https://evil.example.com/acs", f"{ACS}/", f"{ACS}?x=1", "https://SP.example.com/acs"):
        response = await api.get(local(redirect_request(app["sso_url"], authn_request(app["entity_id"], acs=acs))))
        _refused(response, "unregistered_acs")


async def test_i4_authn_request_for_another_realms_sp_refused(api, two_realms):
    """Realm B's endpoint never serves realm A's SP, whether by its own application or by A's id (404)."""
    alpha, beta = two_realms["alpha"], two_realms["beta"]
    foreign = authn_request(alpha["entity_id"])
    _refused(await api.get(local(redirect_request(beta["sso_url"], foreign))), "unknown_service_provider")
    crossed = f"/realms/beta/saml/{alpha['id']}/sso"
    _refused(await api.get(local(redirect_request(crossed, foreign))), "not_found", 404)
    assert (await api.get(f"/realms/beta/saml/{alpha['id']}/metadata")).status_code == 404


async def test_hostile32_foreign_relay_state_refused(api, two_realms):
    app = two_realms["alpha"]
    for relay in ("https://evil.example.com/", "//evil.example.com/x", "\\\\evil.example.com", "javascript:alert(1)"):
        url = redirect_request(app["sso_url"], authn_request(app["entity_id"], request_id=f"_r{hash(relay)}"), relay)
        _refused(await api.get(local(url)), "invalid_relay_state")
    idp = await api.get(local(app["login_url"]) + "?RelayState=https://evil.example.com/")
    _refused(idp, "invalid_relay_state")


async def test_relay_state_on_the_sp_origin_or_relative_is_returned(api, two_realms):
    app = two_realms["alpha"]
    for number, relay in enumerate(("/inbox", "https://sp.example.com/inbox", "opaque-token-123")):
        url = redirect_request(app["sso_url"], authn_request(app["entity_id"], request_id=f"_ok{number}"), relay)
        page = await walk(api, await api.get(local(url)))
        if number == 0:  # the next requests reuse the session: single sign-on
            page = await sign_in(api, "alpha", page, "ann@example.com")
        assert f'name="RelayState" value="{relay}"' in page.text


async def test_replayed_authn_request_refused(api, two_realms):
    app = two_realms["alpha"]
    url = local(redirect_request(app["sso_url"], authn_request(app["entity_id"], request_id="_once")))
    first = await api.get(url)
    assert first.status_code == 302
    _refused(await api.get(url), "replayed_saml_request")


async def test_completed_sign_in_cannot_be_replayed(api, two_realms):
    app = two_realms["alpha"]
    url = local(redirect_request(app["sso_url"], authn_request(app["entity_id"], request_id="_twice")))
    page = await sign_in(api, "alpha", await walk(api, await api.get(url)), "ann@example.com")
    assert "SAMLResponse" in page.text
    issued = str(page.url)
    again = await api.get(local(issued))
    assert again.status_code == 400 and "SAMLResponse" not in again.text


async def test_stale_malformed_and_dtd_requests_refused(api, two_realms):
    app = two_realms["alpha"]
    old = authn_request(app["entity_id"], request_id="_old", when=datetime.now(UTC) - timedelta(hours=1))
    _refused(await api.get(local(redirect_request(app["sso_url"], old))), "stale_saml_request")
    dtd = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + authn_request(app["entity_id"])
    _refused(await api.get(local(redirect_request(app["sso_url"], dtd))), "malformed_saml_request")
    bomb = base64.b64encode(b"\x00" * 10).decode()
    _refused(await api.get(f"{local(app['sso_url'])}?SAMLRequest={bomb}"), "malformed_saml_request")
    huge = b"<a>" + b" " * (2 * 1024 * 1024) + b"</a>"
    _refused(await api.get(local(redirect_request(app["sso_url"], huge))), "malformed_saml_request")
