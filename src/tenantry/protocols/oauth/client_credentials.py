"""The client_credentials grant (RFC 6749 section 4.4) with an organization (SPEC D5).

The service layer looks things up; this module decides, as an ordered list of checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tenantry.core.application import Application
from tenantry.core.organization import Organization

from .errors import InvalidClient, InvalidRequest, InvalidScope, UnauthorizedClient

GRANT = "client_credentials"
SCOPE_CHARS = frozenset("!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~")


@dataclass(frozen=True, slots=True)
class ClientCredentialsRequest:
    client_id: str
    authenticated: bool
    scope: str | None
    organization: str | None


def check_client(application: Application | None, request: ClientCredentialsRequest) -> Application:
    """An unknown client and a wrong secret get the same answer."""
    if application is None or not request.authenticated or application.public:
        raise InvalidClient("client authentication failed")
    return application


def check_grant_type(application: Application) -> None:
    if GRANT not in application.grant_types:
        raise UnauthorizedClient("this client may not use client_credentials")


def check_scope(scope: str | None) -> list[str]:
    """RFC 6749 3.3: space-delimited tokens of printable ASCII without quotes or backslashes."""
    if scope is None:
        return []
    tokens = scope.split(" ")
    if any(not token or not set(token) <= SCOPE_CHARS for token in tokens):
        raise InvalidScope("malformed scope")
    return sorted(set(tokens))


def check_organization(
    application: Application, request: ClientCredentialsRequest, organization: Organization | None
) -> Organization | None:
    """D5: the organization must exist and be one the application was granted; usage=deny allows none."""
    if request.organization is None:
        return None
    if application.organization_usage == "deny":
        raise InvalidRequest("this application does not act for organizations")
    if organization is None or organization.id not in application.organization_ids:
        raise InvalidRequest("the application is not granted access to this organization")
    return organization


def access_token_claims(
    *,
    issuer: str,
    application: Application,
    organization: Organization | None,
    scopes: list[str],
    now: datetime,
    lifetime: timedelta,
    jti: str,
    org_name_in_tokens: bool,
) -> dict[str, Any]:
    """RFC 9068 claims for a machine token: the client is the subject."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": application.client_id,
        "aud": issuer,
        "client_id": application.client_id,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": jti,
    }
    if scopes:
        claims["scope"] = " ".join(scopes)
    if organization is not None:
        claims["org_id"] = organization.id
        if org_name_in_tokens:
            claims["org_name"] = organization.name
    return claims
