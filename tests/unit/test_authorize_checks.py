"""SPEC S1 / HOSTILE 3-7, 10, 12, 13: the authorization endpoint's and the grants' refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tenantry.core.application import Application
from tenantry.core.grant import AuthorizationCode, RefreshToken, TokenFamily
from tenantry.protocols.oauth import authorize, grants, pkce
from tenantry.protocols.oauth.errors import InvalidGrant, InvalidRequest, InvalidScope

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
REDIRECT = "https://app.example.com/callback"
VERIFIER = "v" * 64
CHALLENGE = pkce.s256(VERIFIER)


def app(**fields) -> Application:
    defaults = {"redirect_uris": [REDIRECT, "https://app.example.com/other"], "public": False}
    return Application("app_1", "rlm_1", "web", "oidc", "client-1", NOW, **{**defaults, **fields})


def params(**overrides) -> dict[str, list[str]]:
    base = {
        "response_type": "code",
        "client_id": "client-1",
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "s",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    base.update({k: v for k, v in overrides.items() if v is not None})
    return {k: [v] if isinstance(v, str) else v for k, v in base.items() if v != "-"}


@pytest.mark.parametrize(
    "uri",
    [
        REDIRECT + "/",
        REDIRECT.upper(),
        REDIRECT + "?x",
        "https://app.example.com/a/../callback",
        "https://app.example.com/callback..;/",
        "https://app.example.com/%63allback",
        "https://app@evil.example/callback",
        "https://a@b@evil.example/callback",
        REDIRECT + "#f",
        REDIRECT.replace("https", "http"),
        "https://app.example.com:8443/callback",
        None,
    ],
)
def test_hostile_3_4_redirect_uris_must_match_exactly_or_stay_local(uri):
    with pytest.raises(authorize.LocalError):
        authorize.check_redirect_uri(app(), uri)


def test_hostile_4_unknown_client_stays_local():
    with pytest.raises(authorize.LocalError):
        authorize.check_client(None)


@pytest.mark.parametrize("response_type", ["token", "id_token token", "id_token", "code id_token", ""])
def test_hostile_6_only_the_code_flow(response_type):
    with pytest.raises(authorize.RedirectError) as refused:
        authorize.parse(params(response_type=response_type), app(), REDIRECT)
    assert refused.value.code == "unsupported_response_type"


def test_hostile_5_public_clients_need_s256_and_plain_is_refused():
    public = app(public=True)
    with pytest.raises(authorize.RedirectError):
        authorize.parse(params(code_challenge="-", code_challenge_method="-"), public, REDIRECT)
    with pytest.raises(authorize.RedirectError):
        authorize.parse(params(code_challenge=VERIFIER[:43], code_challenge_method="plain"), public, REDIRECT)
    assert authorize.parse(params(), public, REDIRECT).code_challenge == CHALLENGE


def test_hostile_5_a_wrong_verifier_or_one_without_a_challenge_is_invalid_grant():
    with pytest.raises(InvalidGrant):
        pkce.check_verifier(CHALLENGE, "w" * 64)
    with pytest.raises(InvalidGrant):
        pkce.check_verifier(None, VERIFIER)
    with pytest.raises(InvalidGrant):
        pkce.check_verifier(CHALLENGE, None)
    pkce.check_verifier(CHALLENGE, VERIFIER)


def test_hostile_10_request_objects_are_refused():
    with pytest.raises(authorize.RedirectError) as refused:
        authorize.parse(params(request="eyJhbGciOiJub25lIn0.e30."), app(), REDIRECT)
    assert refused.value.code == "request_not_supported"


def test_d2_an_organization_on_a_deny_application_is_an_error():
    with pytest.raises(authorize.RedirectError):
        authorize.parse(params(organization="acme"), app(organization_usage="deny"), REDIRECT)
    allowed = authorize.parse(params(organization="acme"), app(organization_usage="allow"), REDIRECT)
    assert allowed.organization == "acme"


def test_repeated_parameters_are_refused():
    with pytest.raises(authorize.RedirectError):
        authorize.parse({**params(), "state": ["a", "b"]}, app(), REDIRECT)


def test_prompt_none_cannot_be_combined():
    with pytest.raises(authorize.RedirectError):
        authorize.parse(params(prompt="none login"), app(), REDIRECT)


def code(**fields) -> AuthorizationCode:
    base = dict(
        code_hash="h",
        realm_id="rlm_1",
        family_id="f",
        client_id="client-1",
        user_id="usr_1",
        redirect_uri=REDIRECT,
        scope="openid",
        auth_time=NOW,
        created_at=NOW,
        expires_at=NOW + timedelta(seconds=60),
        code_challenge=CHALLENGE,
        code_challenge_method="S256",
    )
    return AuthorizationCode(**{**base, **fields})


def test_hostile_1_a_replayed_code_is_a_replay():
    with pytest.raises(grants.Replay):
        grants.check_code(code(), False, client_id="client-1", redirect_uri=REDIRECT, now=NOW)


def test_hostile_2_a_code_for_another_client_or_expired_is_invalid_grant():
    with pytest.raises(InvalidGrant):
        grants.check_code(code(), True, client_id="client-2", redirect_uri=REDIRECT, now=NOW)
    with pytest.raises(InvalidGrant):
        grants.check_code(code(), True, client_id="client-1", redirect_uri=REDIRECT, now=NOW + timedelta(seconds=61))
    with pytest.raises(InvalidGrant):
        grants.check_code(code(), True, client_id="client-1", redirect_uri=REDIRECT + "x", now=NOW)


def refresh(**fields) -> RefreshToken:
    base = dict(
        token_hash="r",
        realm_id="rlm_1",
        family_id="f",
        client_id="client-1",
        user_id="usr_1",
        scope="openid profile",
        auth_time=NOW,
        created_at=NOW,
        expires_at=NOW + timedelta(days=1),
    )
    return RefreshToken(**{**base, **fields})


def test_hostile_12_reuse_within_the_leeway_passes_after_it_is_a_replay():
    leeway = timedelta(seconds=10)
    rotated = refresh(rotated_at=NOW)
    assert grants.check_refresh(rotated, False, client_id="client-1", now=NOW + timedelta(seconds=5), leeway=leeway)
    with pytest.raises(grants.Replay):
        grants.check_refresh(rotated, False, client_id="client-1", now=NOW + timedelta(seconds=11), leeway=leeway)


def test_hostile_13_another_client_wider_scope_or_expiry_is_refused():
    with pytest.raises(InvalidGrant):
        grants.check_refresh(refresh(), True, client_id="client-2", now=NOW, leeway=timedelta(0))
    with pytest.raises(InvalidGrant):
        grants.check_refresh(refresh(), True, client_id="client-1", now=NOW + timedelta(days=2), leeway=timedelta(0))
    with pytest.raises(InvalidScope):
        grants.check_narrower_scope("openid admin", "openid profile")
    assert grants.check_narrower_scope("openid", "openid profile") == "openid"


def test_a_revoked_family_is_invalid_grant():
    family = TokenFamily("f", "rlm_1", "usr_1", "client-1", NOW, revoked_at=NOW)
    with pytest.raises(InvalidGrant):
        grants.check_family(family)
    with pytest.raises(InvalidGrant):
        grants.check_family(None)


def test_challenge_format_is_checked():
    with pytest.raises(InvalidRequest):
        pkce.check_challenge("short", "S256", public=False)
