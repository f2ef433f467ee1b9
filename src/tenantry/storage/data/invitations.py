"""Invitations and mail tokens in one plane, bound to one realm; invitations also to their organization."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Row

from tenantry.core.invitation import Invitation, MailToken, MailTokenKind
from tenantry.ports.paging import Page, PageRequest

from ..control.base import RealmBound, keyset_page
from ..tables_data import invitations, mail_tokens, users
from ..uniqueness import unique


def _invitation(row: Row[Any]) -> Invitation:
    values = dict(row._mapping)
    values["roles"] = list(values["roles"])
    return Invitation(**values)


class SqlInvitationRepository(RealmBound):
    table = invitations

    def _in(self, organization_id: str) -> Any:
        return and_(invitations.c.realm_id == self.realm_id, invitations.c.organization_id == organization_id)

    async def add(self, invitation: Invitation) -> None:
        if invitation.realm_id != self.realm_id:
            raise ValueError("an invitation of another realm cannot be written through this repository")
        async with unique("invitation_exists", "the invitation exists"):
            await self.conn.execute(insert(invitations).values(**asdict(invitation)))

    async def _one(self, organization_id: str, *criteria: Any) -> Invitation | None:
        query = select(invitations).where(self._in(organization_id), *criteria)
        row = (await self.conn.execute(query)).first()
        return _invitation(row) if row else None

    async def get(self, organization_id: str, invitation_id: str) -> Invitation | None:
        return await self._one(organization_id, invitations.c.id == invitation_id)

    async def by_token(self, organization_id: str, token_hash: str) -> Invitation | None:
        return await self._one(organization_id, invitations.c.token_hash == token_hash)

    async def for_organization(self, organization_id: str, page: PageRequest) -> Page[Invitation]:
        query = select(invitations).where(self._in(organization_id))
        return await keyset_page(self.conn, query, invitations, page, _invitation)

    async def revoke(self, organization_id: str, invitation_id: str, now: datetime) -> bool:
        statement = (
            update(invitations)
            .where(
                self._in(organization_id),
                invitations.c.id == invitation_id,
                invitations.c.accepted_at.is_(None),
                invitations.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return bool((await self.conn.execute(statement)).rowcount)

    async def accept(self, organization_id: str, invitation_id: str, user_id: str, now: datetime) -> bool:
        if not await self._in_realm(users, user_id):
            raise LookupError("no such user in this realm")
        statement = (
            update(invitations)
            .where(
                self._in(organization_id),
                invitations.c.id == invitation_id,
                invitations.c.accepted_at.is_(None),
                invitations.c.revoked_at.is_(None),
                invitations.c.expires_at > now,
            )
            .values(accepted_at=now, accepted_user_id=user_id)
        )
        return bool((await self.conn.execute(statement)).rowcount)


class SqlMailTokenRepository(RealmBound):
    table = mail_tokens

    def _key(self, kind: MailTokenKind, token_hash: str) -> Any:
        return and_(
            mail_tokens.c.realm_id == self.realm_id, mail_tokens.c.kind == kind, mail_tokens.c.token_hash == token_hash
        )

    async def add(self, token: MailToken) -> None:
        if token.realm_id != self.realm_id:
            raise ValueError("a token of another realm cannot be written through this repository")
        if not await self._in_realm(users, token.user_id):
            raise LookupError("no such user in this realm")
        await self.conn.execute(insert(mail_tokens).values(**asdict(token)))

    async def get(self, kind: MailTokenKind, token_hash: str) -> MailToken | None:
        row = (await self.conn.execute(select(mail_tokens).where(self._key(kind, token_hash)))).first()
        return MailToken(**dict(row._mapping)) if row else None

    async def use(self, kind: MailTokenKind, token_hash: str, now: datetime) -> bool:
        statement = (
            update(mail_tokens)
            .where(self._key(kind, token_hash), mail_tokens.c.used_at.is_(None), mail_tokens.c.expires_at > now)
            .values(used_at=now)
        )
        return bool((await self.conn.execute(statement)).rowcount)

    async def use_all(self, kind: MailTokenKind, user_id: str, now: datetime) -> int:
        statement = (
            update(mail_tokens)
            .where(
                mail_tokens.c.realm_id == self.realm_id,
                mail_tokens.c.kind == kind,
                mail_tokens.c.user_id == user_id,
                mail_tokens.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return int((await self.conn.execute(statement)).rowcount or 0)
