"""Who is acting, and what they may touch (admin API scopes, SPEC S5).

An actor bound to realm A asking for anything of realm B gets 404, never 403: the answer must
not reveal that B's object exists. Missing scopes inside one's own realm or organization get 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tenantry.core.admin_token import OPERATOR_SCOPES, TokenKind
from tenantry.core.errors import Forbidden, NotFound


@dataclass(frozen=True, slots=True)
class Actor:
    kind: TokenKind
    name: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    realm_id: str | None = None
    organization_id: str | None = None
    request_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"


def system_actor(name: str = "cli") -> Actor:
    """The local operator at the command line: every scope, no binding."""
    return Actor(kind="operator", name=name, scopes=frozenset(OPERATOR_SCOPES))


def require_operator(actor: Actor) -> None:
    if actor.kind != "operator":
        raise Forbidden("this action needs an operator token")


def see_realm(actor: Actor, realm_id: str) -> None:
    """404 for a realm the actor is not bound to."""
    if actor.realm_id is not None and actor.realm_id != realm_id:
        raise NotFound("no such realm", code="realm_not_found")


def see_organization(actor: Actor, organization_id: str) -> None:
    """404 for an organization the actor is not bound to."""
    if actor.organization_id is not None and actor.organization_id != organization_id:
        raise NotFound("no such organization", code="organization_not_found")


def require(actor: Actor, scope: str, *, realm_level: bool = False) -> None:
    """403 when the scope is missing; realm-level actions are closed to organization admins."""
    if scope not in actor.scopes or (realm_level and actor.kind == "org_admin"):
        raise Forbidden(f"this action needs the scope {scope}", details={"scope": scope})
