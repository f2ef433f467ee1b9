"""Sessions, token families, authorization codes and refresh tokens in one plane, bound to one realm.

Single use is decided by the database, not by a read-then-write: taking a code or rotating a
refresh token is one conditional UPDATE, so two nodes racing for the same value cannot both win.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row

from tenantry.core.grant import AuthorizationCode, RefreshToken, Session, TokenFamily

from ..control.base import RealmBound
from ..tables_data import authorization_codes, refresh_tokens, sessions, token_families


def _row(cls: Any, row: Row[Any]) -> Any:
    return cls(**dict(row._mapping))


class SqlSessionRepository(RealmBound):
    table = sessions

    async def add(self, session: Session) -> None:
        await self.conn.execute(insert(sessions).values(**asdict(session)))

    async def get(self, session_id: str) -> Session | None:
        row = (await self.conn.execute(self._scoped(select(sessions)).where(sessions.c.id == session_id))).first()
        return _row(Session, row) if row else None

    async def touch(self, session_id: str, seen_at: datetime, idle_expires_at: datetime) -> None:
        await self.conn.execute(
            update(sessions)
            .where(sessions.c.realm_id == self.realm_id, sessions.c.id == session_id)
            .values(last_seen_at=seen_at, idle_expires_at=idle_expires_at)
        )

    async def revoke(self, session_id: str, now: datetime) -> bool:
        result = await self.conn.execute(
            update(sessions)
            .where(sessions.c.realm_id == self.realm_id, sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)

    async def set_organization(self, session_id: str, organization_id: str | None) -> None:
        await self.conn.execute(
            update(sessions)
            .where(sessions.c.realm_id == self.realm_id, sessions.c.id == session_id)
            .values(organization_id=organization_id)
        )

    async def revoke_for_user(self, user_id: str, now: datetime) -> int:
        result = await self.conn.execute(
            update(sessions)
            .where(sessions.c.realm_id == self.realm_id, sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount or 0)


class SqlGrantRepository(RealmBound):
    table = token_families

    async def add_family(self, family: TokenFamily) -> None:
        await self.conn.execute(insert(token_families).values(**asdict(family)))

    async def family(self, family_id: str) -> TokenFamily | None:
        query = self._scoped(select(token_families)).where(token_families.c.id == family_id)
        row = (await self.conn.execute(query)).first()
        return _row(TokenFamily, row) if row else None

    async def revoke_family(self, family_id: str, now: datetime) -> bool:
        result = await self.conn.execute(
            update(token_families)
            .where(
                token_families.c.realm_id == self.realm_id,
                token_families.c.id == family_id,
                token_families.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return bool(result.rowcount)

    async def revoke_families(self, *, now: datetime, user_id: str | None = None, session_id: str | None = None) -> int:
        """Kill every family of a user, or of one session (logout, user blocked, password reset)."""
        statement = update(token_families).where(
            token_families.c.realm_id == self.realm_id, token_families.c.revoked_at.is_(None)
        )
        if user_id is not None:
            statement = statement.where(token_families.c.user_id == user_id)
        if session_id is not None:
            statement = statement.where(token_families.c.session_id == session_id)
        return int((await self.conn.execute(statement.values(revoked_at=now))).rowcount or 0)

    async def add_code(self, code: AuthorizationCode) -> None:
        await self.conn.execute(insert(authorization_codes).values(**asdict(code)))

    async def take_code(self, code_hash: str, now: datetime) -> tuple[AuthorizationCode | None, bool]:
        """Mark the code used; returns (code, first_use). A replay returns the code with first_use False."""
        result = await self.conn.execute(
            update(authorization_codes)
            .where(
                authorization_codes.c.realm_id == self.realm_id,
                authorization_codes.c.code_hash == code_hash,
                authorization_codes.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
        query = self._code_query(code_hash)
        row = (await self.conn.execute(query)).first()
        return (_row(AuthorizationCode, row) if row else None), bool(result.rowcount)

    def _code_query(self, code_hash: str) -> Any:
        return select(authorization_codes).where(
            authorization_codes.c.realm_id == self.realm_id, authorization_codes.c.code_hash == code_hash
        )

    async def add_refresh(self, token: RefreshToken) -> None:
        await self.conn.execute(insert(refresh_tokens).values(**asdict(token)))

    async def rotate_refresh(self, token_hash: str, now: datetime) -> tuple[RefreshToken | None, bool]:
        """Mark the token rotated; returns (token, first_rotation)."""
        result = await self.conn.execute(
            update(refresh_tokens)
            .where(
                refresh_tokens.c.realm_id == self.realm_id,
                refresh_tokens.c.token_hash == token_hash,
                refresh_tokens.c.rotated_at.is_(None),
            )
            .values(rotated_at=now)
        )
        query = select(refresh_tokens).where(
            refresh_tokens.c.realm_id == self.realm_id, refresh_tokens.c.token_hash == token_hash
        )
        row = (await self.conn.execute(query)).first()
        return (_row(RefreshToken, row) if row else None), bool(result.rowcount)

    async def refresh(self, token_hash: str) -> RefreshToken | None:
        query = select(refresh_tokens).where(
            refresh_tokens.c.realm_id == self.realm_id, refresh_tokens.c.token_hash == token_hash
        )
        row = (await self.conn.execute(query)).first()
        return _row(RefreshToken, row) if row else None
