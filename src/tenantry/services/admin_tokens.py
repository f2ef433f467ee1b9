"""Admin API bearer tokens: created and shown once, stored as digests, bound to a realm or organization."""

from __future__ import annotations

import builtins
import hashlib
import secrets

from tenantry.core.admin_token import OPERATOR_SCOPES, ORG_ADMIN_SCOPES, REALM_ADMIN_SCOPES, AdminToken, TokenKind
from tenantry.core.errors import InvalidInput, NotFound, Unauthenticated

from . import lookup
from .access import Actor, require, require_operator
from .audit import record
from .context import Ports

TOKEN_PREFIX = {"operator": "tnt_op_", "realm_admin": "tnt_ra_", "org_admin": "tnt_oa_"}
DEFAULT_SCOPES: dict[str, tuple[str, ...]] = {
    "operator": OPERATOR_SCOPES,
    "realm_admin": REALM_ADMIN_SCOPES,
    "org_admin": ORG_ADMIN_SCOPES,
}


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AdminTokenService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def create(
        self,
        actor: Actor,
        *,
        name: str,
        kind: TokenKind,
        realm: str | None = None,
        organization: str | None = None,
        scopes: builtins.list[str] | None = None,
    ) -> tuple[AdminToken, str]:
        """Mint a token. Nobody can grant a scope they lack, nor bind wider than their own binding."""
        require(actor, "tokens:write")
        if kind == "operator":
            require_operator(actor)
        allowed = DEFAULT_SCOPES[kind]
        wanted = list(scopes) if scopes is not None else list(allowed)
        beyond = sorted(set(wanted) - set(allowed) | (set(wanted) - actor.scopes))
        if beyond:
            raise InvalidInput(
                "scopes beyond what this token kind or the caller holds",
                code="invalid_scope",
                details={"scopes": beyond},
            )
        if kind != "operator" and realm is None:
            raise InvalidInput("realm and organization admin tokens name their realm", code="realm_required")
        if kind == "org_admin" and organization is None:
            raise InvalidInput("organization admin tokens name their organization", code="organization_required")
        secret = TOKEN_PREFIX[kind] + secrets.token_urlsafe(32)
        async with self.ports.control.transaction() as tx:
            realm_id = org_id = None
            if realm is not None and kind != "operator":
                found = await lookup.realm(tx, actor, realm)
                realm_id = found.id
                if kind == "org_admin" and organization is not None:
                    org_id = (await lookup.organization(tx, actor, found.id, organization)).id
            if actor.organization_id is not None and org_id != actor.organization_id:
                raise NotFound("no such organization", code="organization_not_found")
            token = AdminToken(
                self.ports.new_id("tok"),
                name,
                kind,
                digest(secret),
                self.ports.clock.now(),
                sorted(set(wanted)),
                realm_id,
                org_id,
            )
            await tx.admin_tokens.add(token)
            await record(
                tx,
                actor,
                "admin_token.created",
                "admin_token",
                token.id,
                realm_id=realm_id,
                organization_id=org_id,
                details={"name": name, "kind": kind, "scopes": token.scopes},
            )
        return token, secret

    async def authenticate(self, presented: str, request_id: str | None = None) -> Actor:
        async with self.ports.control.transaction() as tx:
            token = await tx.admin_tokens.by_hash(digest(presented))
        if token is None or token.revoked_at is not None:
            raise Unauthenticated("the bearer token is unknown or revoked")
        return Actor(
            kind=token.kind,
            name=token.id,
            scopes=frozenset(token.scopes),
            realm_id=token.realm_id,
            organization_id=token.organization_id,
            request_id=request_id,
        )

    async def revoke(self, actor: Actor, token_id: str) -> AdminToken:
        """404 for a token outside the caller's binding is decided before any scope check (S5)."""
        async with self.ports.control.transaction() as tx:
            token = await tx.admin_tokens.get(token_id)
            bound_elsewhere = token is not None and (
                (actor.realm_id is not None and token.realm_id != actor.realm_id)
                or (actor.organization_id is not None and token.organization_id != actor.organization_id)
            )
            if token is None or bound_elsewhere:
                raise NotFound("no such token", code="token_not_found")
            require(actor, "tokens:write")
            token.revoked_at = self.ports.clock.now()
            await tx.admin_tokens.update(token)
            await record(
                tx,
                actor,
                "admin_token.revoked",
                "admin_token",
                token.id,
                realm_id=token.realm_id,
                organization_id=token.organization_id,
            )
        return token

    async def list(self, actor: Actor) -> builtins.list[AdminToken]:
        require(actor, "tokens:write")
        async with self.ports.control.transaction() as tx:
            tokens = await tx.admin_tokens.list(actor.realm_id)
        if actor.organization_id is not None:
            tokens = [token for token in tokens if token.organization_id == actor.organization_id]
        return tokens
