"""The token side of a realm's provider: client_credentials (D5), introspection, discovery, JWKS.

Lookups happen here; the decisions are the protocol checks in ``tenantry.protocols``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from tenantry.core.organization import Organization
from tenantry.core.realm import Realm
from tenantry.protocols import jose
from tenantry.protocols.oauth import client_credentials as cc
from tenantry.protocols.oauth.client_auth import presented_client
from tenantry.protocols.oauth.errors import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidToken,
    UnsupportedGrantType,
)
from tenantry.protocols.oauth.introspection import INACTIVE, active_response
from tenantry.protocols.oidc import discovery

from .applications import secret_matches
from .cache import ControlCache
from .configuration import Configuration
from .context import Ports
from .grants import ACCESS_LIFETIME, GrantService
from .keys import KeyService

REFUSED_GRANTS = frozenset({"password", "implicit", "token"})


class TokenService:
    def __init__(
        self, ports: Ports, keys: KeyService, grants: GrantService, configuration: Configuration, verified: ControlCache
    ):
        self.ports = ports
        self.keys = keys
        self.grants = grants
        self.configuration = configuration
        self.verified = verified
        """Signature checks already passed, by token: a resource server asks about the same token many times.

        Emptied with the configuration (a key revoked on any node), and the time and issuer checks run at every use."""

    def issuer(self, realm: Realm) -> str:
        return realm.issuer(self.ports.base_url)

    async def discovery(self, realm: Realm) -> dict[str, Any]:
        return discovery.metadata(self.issuer(realm))

    async def jwks(self, realm: Realm) -> dict[str, Any]:
        return await self.keys.jwks(realm.id)

    async def _client(self, realm: Realm, authorization: str | None, form: Mapping[str, str]) -> tuple[Any, bool]:
        presented = presented_client(authorization, form)
        application = await self.configuration.application(realm.id, presented.client_id)
        authenticated = (
            application is not None and presented.secret is not None and secret_matches(application, presented.secret)
        )
        return application, authenticated

    async def token(self, realm: Realm, authorization: str | None, form: Mapping[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type")
        if not grant:
            raise InvalidRequest("grant_type is required")
        if grant in REFUSED_GRANTS:
            raise UnsupportedGrantType(f"the {grant} grant is not supported")
        if grant == "authorization_code":
            return await self.grants.authorization_code(realm, authorization, form)
        if grant == "refresh_token":
            return await self.grants.refresh_token(realm, authorization, form)
        if grant != cc.GRANT:
            raise UnsupportedGrantType(f"the {grant} grant is not supported")
        return await self._client_credentials(realm, authorization, form)

    async def _client_credentials(
        self, realm: Realm, authorization: str | None, form: Mapping[str, str]
    ) -> dict[str, Any]:
        application, authenticated = await self._client(realm, authorization, form)
        request = cc.ClientCredentialsRequest(
            client_id=application.client_id if application else "",
            authenticated=authenticated,
            scope=form.get("scope"),
            organization=form.get("organization"),
        )
        client = cc.check_client(application, request)
        cc.check_grant_type(client)
        scopes = cc.check_scope(request.scope)
        organization = await self._organization(realm, request.organization)
        organization = cc.check_organization(client, request, organization)
        now = self.ports.clock.now()
        claims = cc.access_token_claims(
            issuer=self.issuer(realm),
            application=client,
            organization=organization,
            scopes=scopes,
            now=now,
            lifetime=ACCESS_LIFETIME,
            jti=secrets.token_urlsafe(16),
            org_name_in_tokens=realm.settings.org_name_in_tokens,
        )
        key = await self.keys.signing_key(realm.id, "ES256")
        token = jose.sign(claims, jose.from_pem(key.kid, key.alg, key.private_pem), jose.TYP_ACCESS)
        answer: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
        }
        if scopes:
            answer["scope"] = " ".join(scopes)
        return answer

    async def _organization(self, realm: Realm, ref: str | None) -> Organization | None:
        if ref is None:
            return None
        return await self.configuration.organization(realm.id, ref)

    async def introspect(self, realm: Realm, authorization: str | None, form: Mapping[str, str]) -> dict[str, Any]:
        """RFC 7662: only an authenticated confidential client of this realm may ask."""
        application, authenticated = await self._client(realm, authorization, form)
        if application is None or not authenticated:
            raise InvalidClient("client authentication failed")
        token = form.get("token")
        if not token:
            raise InvalidRequest("token is required")
        try:
            claims = await self.verify_access_token(realm, token)
        except jose.InvalidToken:
            return dict(INACTIVE)
        family = claims.get("gid")
        if family is not None and not (isinstance(family, str) and await self.grants.active_family(realm, family)):
            return dict(INACTIVE)
        return active_response(claims)

    async def verify_access_token(self, realm: Realm, token: str) -> dict[str, Any]:
        async def signature() -> dict[str, Any]:
            return jose.verify_signature(token, await self.keys.jose_keys(realm.id), typ=jose.TYP_ACCESS)

        claims = await self.verified.get((realm.id, token), signature)
        jose.check_claims(claims, issuer=self.issuer(realm), audience=None, now=self.ports.clock.now())
        return dict(claims)

    async def userinfo(self, realm: Realm, authorization: str | None) -> dict[str, Any]:
        """OIDC Core 5.3: a Bearer access token of this realm whose grant is still alive (A2)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise InvalidToken("a bearer access token is required")
        try:
            claims = await self.verify_access_token(realm, token.strip())
            return await self.grants.userinfo(realm, claims)
        except (jose.InvalidToken, InvalidGrant) as exc:
            raise InvalidToken("the access token is invalid") from exc
