"""Sessions, token families, authorization codes and refresh tokens in one plane, bound to one realm.

Single use is decided by the database, not by a read-then-write: taking a code or rotating a
refresh token is one conditional UPDATE, so two nodes racing for the same value cannot both win.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Row

from tenantry.core.grant import AuthorizationCode, RefreshToken, Session, TokenFamily

from ..control.base import RealmBound, keyed_select
from ..tables_data import authorization_codes, refresh_tokens, sessions, token_families


def _row(cls: Any, row: Row[Any]) -> Any:
    return cls(**dict(row._mapping))


# The statements of every refresh and code redemption, built once (see ``keyed_select``).
_SESSION = keyed_select(sessions, "id")
_FAMILY = keyed_select(token_families, "id")
_CODE = keyed_select(authorization_codes, "code_hash")
_REFRESH = keyed_select(refresh_tokens, "token_hash")
_ADD_REFRESH = insert(refresh_tokens)


def _single_use(table: Any, key: str, mark: str) -> Any:
    """``UPDATE ... SET mark = :b_now WHERE key matches AND mark IS NULL RETURNING *``: only one caller wins."""
    return (
        update(table)
        .where(
            table.c.realm_id == bindparam("b_realm_id"),
            table.c[key] == bindparam(f"b_{key}"),
            table.c[mark].is_(None),
        )
        .values({mark: bindparam("b_now")})
        .returning(*table.c)
    )


_TAKE_CODE = _single_use(authorization_codes, "code_hash", "used_at")
_ROTATE = _single_use(refresh_tokens, "token_hash", "rotated_at")


class SqlSessionRepository(RealmBound):
    table = sessions

    async def add(self, session: Session) -> None:
        await self.conn.execute(insert(sessions).values(**asdict(session)))

    async def get(self, session_id: str) -> Session | None:
        row = await self._keyed(_SESSION, id=session_id)
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
        row = await self._keyed(_FAMILY, id=family_id)
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
        taken = await self._keyed(_TAKE_CODE, code_hash=code_hash, now=now)
        if taken is not None:
            return _row(AuthorizationCode, taken), True
        row = await self._keyed(_CODE, code_hash=code_hash)
        return (_row(AuthorizationCode, row) if row else None), False

    async def add_refresh(self, token: RefreshToken) -> None:
        await self.conn.execute(_ADD_REFRESH, asdict(token))

    async def rotate_refresh(self, token_hash: str, now: datetime) -> tuple[RefreshToken | None, bool]:
        """Mark the token rotated; returns (token, first_rotation). The usual case is one statement."""
        rotated = await self._keyed(_ROTATE, token_hash=token_hash, now=now)
        if rotated is not None:
            return _row(RefreshToken, rotated), True
        return await self.refresh(token_hash), False

    async def refresh(self, token_hash: str) -> RefreshToken | None:
        row = await self._keyed(_REFRESH, token_hash=token_hash)
        return _row(RefreshToken, row) if row else None
