"""Token introspection (RFC 7662): what a resource server may learn about a token.

An inactive answer says nothing else (RFC 7662 2.2), whether the token is expired, forged,
revoked or from another realm.
"""

from __future__ import annotations

from typing import Any

INACTIVE: dict[str, Any] = {"active": False}
EXPOSED = (
    "scope",
    "client_id",
    "sub",
    "aud",
    "iss",
    "exp",
    "iat",
    "nbf",
    "jti",
    "org_id",
    "org_name",
    "roles",
    "permissions",
)


def active_response(claims: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {"active": True, "token_type": "Bearer"}
    answer.update({name: claims[name] for name in EXPOSED if name in claims})
    return answer
