"""OpenID Connect relying party for an upstream enterprise IdP (OIDC Core 3.1, Discovery 4.3, RFC 7636, RFC 9207).

Authorization code with PKCE (S256), ``state`` and ``nonce``; the discovery document's issuer must be
the configured one exactly, an authorization response's ``iss`` must be too (mix-up defence), and
the ID token is checked by the same JOSE rules as our own tokens (S2) against the provider's JWKS.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from tenantry.core.federation import OidcUpstream
from tenantry.protocols import jose
from tenantry.protocols.oauth import pkce

TIMEOUT_SECONDS = 10.0
MAX_DOCUMENT_BYTES = 512_000


class OidcRefused(Exception):
    """The upstream answer must not log anyone in; ``reason`` is a stable code, never shown with secrets."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


async def _get_json(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    try:
        response = await http.get(url, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        raise OidcRefused("upstream_unreachable") from exc
    if response.status_code != 200 or len(response.content) > MAX_DOCUMENT_BYTES:
        raise OidcRefused("upstream_bad_answer")
    try:
        body = response.json()
    except ValueError as exc:
        raise OidcRefused("upstream_bad_answer") from exc
    if not isinstance(body, dict):
        raise OidcRefused("upstream_bad_answer")
    return body


async def discover(http: httpx.AsyncClient, configured: OidcUpstream) -> OidcUpstream:
    """HOSTILE 16: the document's ``issuer`` must equal the configured issuer, byte for byte."""
    document = await _get_json(http, f"{configured.issuer.rstrip('/')}/.well-known/openid-configuration")
    if document.get("issuer") != configured.issuer:
        raise OidcRefused("issuer_mismatch")
    endpoints = {name: document.get(name) for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")}
    if not all(isinstance(value, str) and value.startswith(("https://", "http://")) for value in endpoints.values()):
        raise OidcRefused("discovery_incomplete")
    if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
        raise OidcRefused("pkce_unsupported")
    methods = document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return configured.model_copy(
        update={
            **endpoints,
            "token_endpoint_auth_method": method,
            "iss_parameter_supported": document.get("authorization_response_iss_parameter_supported") is True,
        }
    )


def authorization_url(
    upstream: OidcUpstream, *, redirect_uri: str, state: str, nonce: str, verifier: str, login_hint: str | None
) -> str:
    params = {
        "response_type": "code",
        "client_id": upstream.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(upstream.scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce.s256(verifier),
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    endpoint = upstream.authorization_endpoint
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def check_callback(params: Mapping[str, str], upstream: OidcUpstream, expected_state: str) -> str:
    """The code of an authorization response meant for this browser's request, from this issuer (RFC 9207)."""
    if not hmac.compare_digest(params.get("state", "").encode(), expected_state.encode()):
        raise OidcRefused("state_mismatch")
    issuer = params.get("iss")
    if issuer is not None and issuer != upstream.issuer:
        raise OidcRefused("issuer_mismatch")
    if issuer is None and upstream.iss_parameter_supported:
        raise OidcRefused("issuer_missing")
    if "error" in params:
        raise OidcRefused("upstream_error")
    code = params.get("code")
    if not code:
        raise OidcRefused("code_missing")
    return code


async def redeem(
    http: httpx.AsyncClient, upstream: OidcUpstream, secret: str | None, *, code: str, redirect_uri: str, verifier: str
) -> str:
    """The ID token the token endpoint returns for the code."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    auth: httpx.Auth | httpx._client.UseClientDefault = httpx.USE_CLIENT_DEFAULT
    if upstream.token_endpoint_auth_method == "client_secret_basic" and secret is not None:  # noqa: S105
        auth = httpx.BasicAuth(upstream.client_id, secret)
    else:
        form["client_id"] = upstream.client_id
        if secret is not None:
            form["client_secret"] = secret
    try:
        response = await http.post(upstream.token_endpoint, data=form, auth=auth, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        raise OidcRefused("upstream_unreachable") from exc
    if response.status_code != 200:
        raise OidcRefused("code_refused")
    try:
        token = response.json().get("id_token")
    except (ValueError, AttributeError) as exc:
        raise OidcRefused("upstream_bad_answer") from exc
    if not isinstance(token, str):
        raise OidcRefused("no_id_token")
    return token


def _algorithm(jwk: Mapping[str, Any]) -> str | None:
    if jwk.get("use", "sig") != "sig":
        return None
    if jwk.get("alg") is not None:
        return str(jwk["alg"]) if jwk["alg"] in jose.ALGORITHMS else None
    if jwk.get("kty") == "RSA":
        return "RS256"
    return "ES256" if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256" else None


async def upstream_keys(http: httpx.AsyncClient, jwks_uri: str) -> list[jose.JoseKey]:
    """The provider's signing keys with one algorithm each; keys without ``kid`` or of other kinds are left out."""
    document = await _get_json(http, jwks_uri)
    keys = []
    for jwk in document.get("keys", []):
        if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str) and (alg := _algorithm(jwk)) is not None:
            public = {name: value for name, value in jwk.items() if name not in ("d", "p", "q", "dp", "dq", "qi")}
            keys.append(jose.JoseKey(jwk["kid"], alg, public))
    return keys


def id_token_claims(
    token: str, keys: list[jose.JoseKey], upstream: OidcUpstream, *, nonce: str, now: datetime
) -> dict[str, Any]:
    """HOSTILE 17: signature by the provider's key, exact issuer, our client as audience, this login's nonce."""
    try:
        claims = jose.verify(token, keys, typ=jose.TYP_ID, issuer=upstream.issuer, audience=upstream.client_id, now=now)
    except jose.InvalidToken as exc:
        raise OidcRefused(f"id_token_{exc.reason.replace(' ', '_')}") from exc
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != upstream.client_id:
        raise OidcRefused("id_token_azp_mismatch")
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"].encode(), nonce.encode()):
        raise OidcRefused("nonce_mismatch")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise OidcRefused("no_subject")
    return claims
