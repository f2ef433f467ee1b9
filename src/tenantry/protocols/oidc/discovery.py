"""Provider metadata (OpenID Connect Discovery 1.0, RFC 8414): only what this provider really does."""

from __future__ import annotations

from typing import Any

CLAIMS = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "sid",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "org_id",
    "org_name",
    "roles",
    "permissions",
)


def endpoints(issuer: str) -> dict[str, str]:
    return {
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "end_session_endpoint": f"{issuer}/oauth/logout",
    }


def metadata(issuer: str) -> dict[str, Any]:
    client_auth = ["client_secret_basic", "client_secret_post"]
    return {
        "issuer": issuer,
        **endpoints(issuer),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "email"],
        "claims_supported": list(CLAIMS),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [*client_auth, "none"],
        "revocation_endpoint_auth_methods_supported": [*client_auth, "none"],
        "introspection_endpoint_auth_methods_supported": client_auth,
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "access_token_signing_alg_values_supported": ["ES256"],
        "prompt_values_supported": ["none", "login"],
        "authorization_response_iss_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
    }
