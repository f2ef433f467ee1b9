"""Codes, refresh tokens, userinfo and revocation for users (RFC 6749 4.1 and 6, OIDC Core 5.3, RFC 7009).

Issued values carry their data plane (``{plane id}.{secret}``) so the token endpoint finds the
right database without searching; only digests are stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tenantry.core.application import Application
from tenantry.core.grant import AuthorizationCode, RefreshToken, Session, TokenFamily, digest
from tenantry.core.ids import has_prefix
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import User
from tenantry.ports.data import DataTransaction
from tenantry.protocols import jose
from tenantry.protocols.oauth import grants
from tenantry.protocols.oauth.authorize import AuthorizationRequest
from tenantry.protocols.oauth.client_auth import presented_client
from tenantry.protocols.oauth.errors import InvalidClient, InvalidGrant, InvalidRequest, UnauthorizedClient
from tenantry.protocols.oidc.claims import OrganizationContext, id_token_claims, organization_claims, profile_claims

from .applications import secret_matches
from .configuration import Configuration
from .context import Ports
from .keys import KeyService
from .sessions import SessionLifetimes

CODE_LIFETIME = timedelta(seconds=60)
ACCESS_LIFETIME = timedelta(minutes=15)
ID_TOKEN_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(days=30)
REFRESH_LEEWAY = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class Grant:
    """What a code or refresh token stands for, ready to mint tokens from."""

    family_id: str
    user: User
    scope: str
    auth_time: Any
    organization_id: str | None
    session_id: str | None
    nonce: str | None
    claims: dict[str, Any] | None = None
    """What post-login hooks added, kept on the token family (``id_token`` / ``access_token``)."""


def _split(value: str) -> str | None:
    plane_id, sep, rest = value.partition(".")
    return plane_id if sep and rest and has_prefix(plane_id, "pln") else None


class GrantService:
    def __init__(self, ports: Ports, keys: KeyService, configuration: Configuration):
        self.ports = ports
        self.keys = keys
        self.configuration = configuration
        self.lifetimes = SessionLifetimes(ports, configuration)

    async def _plane(self, value: str) -> DataPlane:
        plane_id = _split(value)
        plane = await self.configuration.plane(plane_id) if plane_id else None
        if plane is None:
            raise InvalidGrant("the grant is invalid")
        return plane

    async def authenticate(self, realm: Realm, authorization: str | None, form: Mapping[str, str]) -> Application:
        """Confidential clients prove their secret; public clients name themselves (PKCE proves the rest)."""
        presented = presented_client(authorization, form)
        application = await self.configuration.application(realm.id, presented.client_id)
        if application is None:
            raise InvalidClient("client authentication failed")
        if application.public:
            if presented.secret is not None:
                raise InvalidClient("public clients have no secret")
            return application
        if presented.secret is None or not secret_matches(application, presented.secret):
            raise InvalidClient("client authentication failed")
        return application

    async def issue_code(
        self,
        realm: Realm,
        plane: DataPlane,
        request: AuthorizationRequest,
        *,
        user_id: str,
        session_id: str | None,
        auth_time: Any,
        organization_id: str | None,
        claims: dict[str, Any] | None = None,
    ) -> str:
        now = self.ports.clock.now()
        code = f"{plane.id}.{secrets.token_urlsafe(32)}"
        family = TokenFamily(
            f"{plane.id}.{secrets.token_urlsafe(16)}",
            realm.id,
            user_id,
            request.client_id,
            now,
            session_id,
            claims=claims,
        )
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.grants.add_family(family)
            await data.grants.add_code(
                AuthorizationCode(
                    code_hash=digest(code),
                    realm_id=realm.id,
                    family_id=family.id,
                    client_id=request.client_id,
                    user_id=user_id,
                    redirect_uri=request.redirect_uri,
                    scope=request.scope,
                    auth_time=auth_time,
                    created_at=now,
                    expires_at=now + CODE_LIFETIME,
                    session_id=session_id,
                    organization_id=organization_id,
                    nonce=request.nonce,
                    code_challenge=request.code_challenge,
                    code_challenge_method=request.code_challenge_method,
                )
            )
        return code

    async def _presented(
        self, realm: Realm, authorization: str | None, form: Mapping[str, str], grant_type: str, parameter: str
    ) -> tuple[Application, str, DataPlane]:
        """The authenticated client, allowed this grant, and the presented value with its data plane."""
        client = await self.authenticate(realm, authorization, form)
        if grant_type not in client.grant_types:
            raise UnauthorizedClient(f"this client may not use the {grant_type} grant")
        value = form.get(parameter)
        if not value:
            raise InvalidRequest(f"{parameter} is required")
        return client, value, await self._plane(value)

    async def authorization_code(
        self, realm: Realm, authorization: str | None, form: Mapping[str, str]
    ) -> dict[str, Any]:
        client, value, plane = await self._presented(realm, authorization, form, "authorization_code", "code")
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            taken, first = await data.grants.take_code(digest(value), now)
        try:
            code = grants.check_code(
                taken, first, client_id=client.client_id, redirect_uri=form.get("redirect_uri"), now=now
            )
        except grants.Replay:
            # RFC 6749 4.1.2: a second use revokes everything the code produced. The code was marked used
            # in a transaction of its own, so no refusal rolls that back.
            await self._revoke_family(realm, plane, taken.family_id if taken else None)
            raise
        grants.check_code_verifier(code, form.get("code_verifier"))
        async with self.ports.planes.transaction(plane, realm.id) as data:
            family = grants.check_family(await data.grants.family(code.family_id))
            user = await data.users.get(code.user_id)
            if user is None or user.blocked:
                raise InvalidGrant("the user can no longer sign in")
            grant = Grant(
                code.family_id,
                user,
                code.scope,
                code.auth_time,
                code.organization_id,
                code.session_id,
                code.nonce,
                family.claims,
            )
            return await self._tokens(realm, plane, data, client, grant)

    async def refresh_token(self, realm: Realm, authorization: str | None, form: Mapping[str, str]) -> dict[str, Any]:
        """One data-plane transaction: rotate, check, and store the successor, or change nothing.

        A refused refresh (user blocked, session ended, membership gone) rolls its rotation back;
        a replay of a rotated token changes nothing here and then revokes the family on its own.
        """
        client, value, plane = await self._presented(realm, authorization, form, "refresh_token", "refresh_token")
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            rotated, first = await data.grants.rotate_refresh(digest(value), now)
            try:
                token = grants.check_refresh(rotated, first, client_id=client.client_id, now=now, leeway=REFRESH_LEEWAY)
            except grants.Replay as exc:
                replay = exc
            else:
                family = grants.check_family(await data.grants.family(token.family_id))
                scope = grants.check_narrower_scope(form.get("scope"), token.scope)
                user = await data.users.get(token.user_id)
                if user is None or user.blocked:
                    raise InvalidGrant("the user can no longer sign in")
                if token.session_id is not None:
                    await self._within_session(realm, token, await data.sessions.get(token.session_id))
                grant = Grant(
                    token.family_id,
                    user,
                    scope,
                    token.auth_time,
                    token.organization_id,
                    token.session_id,
                    None,
                    family.claims,
                )
                return await self._tokens(realm, plane, data, client, grant, id_token=False)
        # RFC 9700 4.14.2: reuse of a rotated token means it leaked; the whole family dies.
        await self._revoke_family(realm, plane, rotated.family_id if rotated else None)
        raise replay

    async def _within_session(self, realm: Realm, token: RefreshToken, session: Session | None) -> None:
        """Refresh tokens from a login live no longer than its session's absolute limit (D8, S8).

        The idle limit is not applied: an application refreshing in the background is not the user
        coming back, and logout ends a session's grants whatever state the session is in.
        """
        limits = await self.lifetimes.for_context(realm, token.organization_id)
        if session is None or self.ports.clock.now() >= limits.absolute_deadline(session):
            raise InvalidGrant("the session this grant belongs to has ended")

    async def _revoke_family(self, realm: Realm, plane: DataPlane, family_id: str | None) -> None:
        if family_id is None:
            return
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.grants.revoke_family(family_id, self.ports.clock.now())

    async def _organization(self, realm: Realm, data: DataTransaction, grant: Grant) -> OrganizationContext | None:
        if grant.organization_id is None:
            return None
        membership = await data.memberships.get(grant.organization_id, grant.user.id)
        if membership is None:
            raise InvalidGrant("the user is no longer a member of the organization")
        organization = await self.configuration.organization(realm.id, grant.organization_id)
        roles = await self.configuration.roles(realm.id, tuple(membership.roles))
        if organization is None:
            raise InvalidGrant("the organization no longer exists")
        permissions = sorted({permission for role in roles for permission in role.permissions})
        return OrganizationContext(organization.id, organization.name, tuple(membership.roles), tuple(permissions))

    async def _tokens(
        self,
        realm: Realm,
        plane: DataPlane,
        data: DataTransaction,
        client: Application,
        grant: Grant,
        *,
        id_token: bool = True,
    ) -> dict[str, Any]:
        """The tokens of a grant, inside the transaction that took its code or rotated its refresh token."""
        now = self.ports.clock.now()
        issuer = realm.issuer(self.ports.base_url)
        organization = await self._organization(realm, data, grant)
        include_name = realm.settings.org_name_in_tokens
        added = grant.claims or {}
        access_claims = {
            **added.get("access_token", {}),
            "iss": issuer,
            "sub": grant.user.id,
            "aud": issuer,
            "client_id": client.client_id,
            "iat": int(now.timestamp()),
            "exp": int((now + ACCESS_LIFETIME).timestamp()),
            "jti": secrets.token_urlsafe(16),
            "scope": grant.scope,
            "gid": grant.family_id,
            **organization_claims(organization, include_name=include_name),
        }
        if grant.session_id:
            access_claims["sid"] = grant.session_id
        access_key = await self.keys.signing_key(realm.id, "ES256")
        answer: dict[str, Any] = {
            "access_token": jose.sign(
                access_claims, jose.from_pem(access_key.kid, access_key.alg, access_key.private_pem), jose.TYP_ACCESS
            ),
            "token_type": "Bearer",
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "scope": grant.scope,
        }
        scopes = set(grant.scope.split())
        if id_token and "openid" in scopes:
            claims = added.get("id_token", {}) | id_token_claims(
                issuer=issuer,
                user=grant.user,
                client_id=client.client_id,
                scopes=scopes,
                nonce=grant.nonce,
                auth_time=grant.auth_time,
                now=now,
                lifetime=ID_TOKEN_LIFETIME,
                organization=organization,
                include_org_name=include_name,
                session_id=grant.session_id,
            )
            key = await self.keys.signing_key(realm.id, client.id_token_signed_response_alg)
            answer["id_token"] = jose.sign(claims, jose.from_pem(key.kid, key.alg, key.private_pem), jose.TYP_ID)
        if "refresh_token" in client.grant_types:
            answer["refresh_token"] = await self._refresh(realm, plane, data, client, grant, now)
        return answer

    async def _refresh(
        self, realm: Realm, plane: DataPlane, data: DataTransaction, client: Application, grant: Grant, now: Any
    ) -> str:
        value = f"{plane.id}.{secrets.token_urlsafe(32)}"
        await data.grants.add_refresh(
            RefreshToken(
                digest(value),
                realm.id,
                grant.family_id,
                client.client_id,
                grant.user.id,
                grant.scope,
                grant.auth_time,
                now,
                now + REFRESH_LIFETIME,
                grant.organization_id,
                grant.session_id,
            )
        )
        return value

    async def active_family(self, realm: Realm, family_id: str) -> bool:
        """Access tokens are JWTs; they die with their family (logout, replay, revocation, user blocked)."""
        plane_id = _split(family_id)
        plane = await self.configuration.plane(plane_id) if plane_id else None
        if plane is None:
            return False
        async with self.ports.planes.transaction(plane, realm.id) as data:
            family = await data.grants.family(family_id)
            user = await data.users.get(family.user_id) if family else None
        return family is not None and family.revoked_at is None and user is not None and not user.blocked

    async def userinfo(self, realm: Realm, claims: dict[str, Any]) -> dict[str, Any]:
        """OIDC Core 5.3 for a verified access token's claims; the caller checked signature and type."""
        family_id = claims.get("gid")
        if not isinstance(family_id, str) or not await self.active_family(realm, family_id):
            raise InvalidGrant("the access token is no longer valid")
        plane = await self._plane(family_id)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(str(claims.get("sub")))
        if user is None:
            raise InvalidGrant("the access token is no longer valid")
        answer = profile_claims(user, set(str(claims.get("scope", "")).split()))
        answer.update({name: claims[name] for name in ("org_id", "org_name", "roles", "permissions") if name in claims})
        return answer

    async def revoke(self, realm: Realm, authorization: str | None, form: Mapping[str, str]) -> None:
        """RFC 7009: revoking a refresh or access token ends its whole family; unknown tokens are not an error."""
        client = await self.authenticate(realm, authorization, form)
        value = form.get("token")
        if not value:
            raise InvalidRequest("token is required")
        family_id = await self._family_of(realm, value, client.client_id)
        if family_id is None:
            return
        plane = await self._plane(family_id)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.grants.revoke_family(family_id, self.ports.clock.now())

    async def _family_of(self, realm: Realm, value: str, client_id: str) -> str | None:
        if value.count(".") == 2:
            keys = await self.keys.jose_keys(realm.id)
            try:
                claims = jose.verify(
                    value,
                    keys,
                    typ=jose.TYP_ACCESS,
                    issuer=realm.issuer(self.ports.base_url),
                    now=self.ports.clock.now(),
                )
            except jose.InvalidToken:
                return None
            family = claims.get("gid")
            return family if isinstance(family, str) and claims.get("client_id") == client_id else None
        if _split(value) is None:
            return None
        plane = await self._plane(value)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            token = await data.grants.refresh(digest(value))
        return token.family_id if token is not None and token.client_id == client_id else None
