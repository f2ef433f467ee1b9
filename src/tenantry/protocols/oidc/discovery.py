"""Provider metadata (OpenID Connect Discovery 1.0, RFC 8414): only what this provider really does."""

from __future__ import annotations

from typing import Any


def endpoints(issuer: str) -> dict[str, str]:
    return {
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "token_endpoint": f"{issuer}/oauth/token",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
    }


def metadata(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        **endpoints(issuer),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "access_token_signing_alg_values_supported": ["ES256"],
    }
