"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 section 2.3).

``client_secret_basic`` (RFC 6749 2.3.1, with form-encoded id and secret) and ``client_secret_post``.
Using both at once, or a method twice, is refused (RFC 6749 2.3: one method per request).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

from .errors import InvalidClient, InvalidRequest

METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True, slots=True)
class PresentedClient:
    client_id: str
    secret: str | None
    method: str


def _basic(authorization: str) -> PresentedClient:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic" or not value:
        raise InvalidClient("unsupported client authentication")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("malformed basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise InvalidClient("malformed basic credentials")
    return PresentedClient(unquote_plus(client_id), unquote_plus(secret), "client_secret_basic")


def presented_client(authorization: str | None, form: Mapping[str, str]) -> PresentedClient:
    """Who the request claims to be; proving it is the caller's job (the secret is compared later)."""
    in_body = "client_secret" in form
    if authorization:
        if in_body:
            raise InvalidRequest("use one client authentication method, not two")
        client = _basic(authorization)
        if form.get("client_id") not in (None, client.client_id):
            raise InvalidRequest("client_id does not match the authenticated client")
        return client
    client_id = form.get("client_id")
    if not client_id:
        raise InvalidClient("client authentication is required")
    if in_body:
        return PresentedClient(client_id, form["client_secret"], "client_secret_post")
    return PresentedClient(client_id, None, "none")
