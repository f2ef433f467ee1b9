"""Application checks: organization behaviour (SPEC D1), grants and redirect URIs (S1, RFC 9700)."""

from __future__ import annotations

import itertools

import pytest

from tenantry.core.application import check_grants, check_organization_behaviour, check_redirect_uris
from tenantry.core.errors import InvalidInput

USAGES = ["deny", "allow", "require"]
PROMPTS = ["none", "before_login", "after_login"]


# --- D1 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("usage", "prompt"), list(itertools.product(USAGES, PROMPTS)))
def test_d1_before_login_needs_require(usage, prompt):
    if prompt == "before_login" and usage != "require":
        with pytest.raises(InvalidInput) as caught:
            check_organization_behaviour(usage, prompt)
        assert caught.value.code == "invalid_organization_usage"
    else:
        check_organization_behaviour(usage, prompt)


# --- S1: grants -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "grants",
    [
        ["implicit"],
        ["password"],
        ["authorization_code", "implicit"],
        ["authorization_code", "password"],
        ["token"],
        ["urn:ietf:params:oauth:grant-type:device_code"],
        ["Authorization_Code"],
    ],
)
def test_s1_no_implicit_or_password_grant(grants):
    with pytest.raises(InvalidInput) as caught:
        check_grants(grants, public=False)
    assert caught.value.code == "unsupported_grant_type"
    assert caught.value.details["grant_types"] == sorted(set(grants) - {"authorization_code"})


@pytest.mark.parametrize(
    "grants",
    [
        [],
        ["authorization_code"],
        ["authorization_code", "refresh_token"],
        ["client_credentials"],
        ["authorization_code", "refresh_token", "client_credentials"],
    ],
)
def test_s1_supported_grants_accepted_for_confidential_clients(grants):
    check_grants(grants, public=False)


def test_s1_public_client_cannot_use_client_credentials():
    check_grants(["authorization_code", "refresh_token"], public=True)
    with pytest.raises(InvalidInput) as caught:
        check_grants(["authorization_code", "client_credentials"], public=True)
    assert caught.value.code == "invalid_client_metadata"


# --- S1: redirect URIs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/callback",
        "https://app.example.com:8443/cb?tenant=acme",
        "https://xn--bcher-kva.de/cb",
        "http://127.0.0.1:8080/callback",
        "http://[::1]:8080/callback",
        "http://localhost:3000/callback",
        "com.example.app:/oauth2redirect",  # private-use scheme for native apps (RFC 8252 7.1)
    ],
)
def test_s1_redirect_uri_accepted(uri):
    check_redirect_uris([uri])


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "/callback",
        "app.example.com/callback",
        "//app.example.com/callback",
        "https://app.example.com/callback#fragment",
        "https://app.example.com/callback#",
        "http://app.example.com/callback",
        "http://localhost.evil.example/callback",
        "http://127.0.0.1.evil.example/callback",
        "https://user@app.example.com/callback",
        "https://user:secret@app.example.com/callback",
        "https://app.example.com@evil.example/callback",
        "https:///callback",
        "https://[::1/callback",
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        " https://app.example.com/callback",
        "https://app.example.com/callback\n",
        "https://app.example.com/call back",
        "https://app.example.com/\u202ekcabllac",
        "https://app.example.com/\x00",
    ],
)
def test_s1_redirect_uri_refused(uri):
    with pytest.raises(InvalidInput) as caught:
        check_redirect_uris(["https://ok.example.com/cb", uri])
    assert caught.value.code == "invalid_redirect_uri"
    assert caught.value.details == {"redirect_uri": uri}


def test_s1_no_redirect_uris_is_allowed():
    check_redirect_uris([])
