"""Second factors, recovery codes and WebAuthn challenges in one data plane, bound to one realm.

Every single-use rule is one conditional statement, so it holds on SQLite and PostgreSQL alike
and across nodes: a TOTP step is accepted only by the UPDATE that moves ``last_step`` forward, a
recovery code only by the UPDATE that sets its ``used_at``, a challenge only by the DELETE that
removes it.
"""

from __future__ import annotations

import builtins
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row

from tenantry.core.factor import Challenge, Factor

from ..control.base import RealmBound
from ..tables_data import mfa_challenges, mfa_factors, recovery_codes, users
from ..uniqueness import unique


def _factor(row: Row[Any]) -> Factor:
    return Factor(**dict(row._mapping))


class SqlFactorRepository(RealmBound):
    table = mfa_factors

    async def add(self, factor: Factor) -> None:
        if factor.realm_id != self.realm_id or not await self._in_realm(users, factor.user_id):
            raise LookupError("no such user in this realm")
        async with unique("factor_exists", "this authenticator is registered already"):
            await self.conn.execute(insert(mfa_factors).values(**asdict(factor)))

    def _mine(self, *criteria: Any) -> Any:
        return and_(mfa_factors.c.realm_id == self.realm_id, *criteria)

    async def get(self, factor_id: str) -> Factor | None:
        row = (await self.conn.execute(select(mfa_factors).where(self._mine(mfa_factors.c.id == factor_id)))).first()
        return _factor(row) if row else None

    async def for_user(self, user_id: str) -> builtins.list[Factor]:
        query = select(mfa_factors).where(self._mine(mfa_factors.c.user_id == user_id)).order_by(mfa_factors.c.id)
        return [_factor(row) for row in await self.conn.execute(query)]

    async def by_credential_id(self, credential_id: str) -> Factor | None:
        query = select(mfa_factors).where(self._mine(mfa_factors.c.credential_id == credential_id))
        row = (await self.conn.execute(query)).first()
        return _factor(row) if row else None

    async def confirm(self, factor_id: str, now: datetime) -> bool:
        statement = update(mfa_factors).where(self._mine(mfa_factors.c.id == factor_id))
        return bool((await self.conn.execute(statement.values(confirmed_at=now))).rowcount)

    async def use_step(self, factor_id: str, step: int, now: datetime) -> bool:
        """Accept TOTP time step ``step`` only if it is later than every step accepted before."""
        statement = (
            update(mfa_factors)
            .where(
                self._mine(
                    mfa_factors.c.id == factor_id,
                    or_(mfa_factors.c.last_step.is_(None), mfa_factors.c.last_step < step),
                )
            )
            .values(last_step=step, last_used_at=now)
        )
        return bool((await self.conn.execute(statement)).rowcount)

    async def advance_sign_count(self, factor_id: str, sign_count: int, now: datetime) -> bool:
        """A passkey's counter only moves forward; authenticators that keep no counter always report 0."""
        moved = mfa_factors.c.sign_count < sign_count if sign_count else mfa_factors.c.sign_count == 0
        statement = (
            update(mfa_factors)
            .where(self._mine(mfa_factors.c.id == factor_id, moved))
            .values(sign_count=sign_count, last_used_at=now)
        )
        return bool((await self.conn.execute(statement)).rowcount)

    async def delete(self, user_id: str, factor_id: str) -> bool:
        statement = delete(mfa_factors).where(
            self._mine(mfa_factors.c.id == factor_id, mfa_factors.c.user_id == user_id)
        )
        return bool((await self.conn.execute(statement)).rowcount)

    async def delete_unconfirmed(self, user_id: str) -> int:
        statement = delete(mfa_factors).where(
            self._mine(mfa_factors.c.user_id == user_id, mfa_factors.c.confirmed_at.is_(None))
        )
        return int((await self.conn.execute(statement)).rowcount or 0)

    async def delete_for_user(self, user_id: str) -> int:
        """Every factor, recovery code and pending challenge of the user (an admin reset)."""
        removed = (
            await self.conn.execute(delete(mfa_factors).where(self._mine(mfa_factors.c.user_id == user_id)))
        ).rowcount
        for table in (recovery_codes, mfa_challenges):
            await self.conn.execute(delete(table).where(table.c.realm_id == self.realm_id, table.c.user_id == user_id))
        return int(removed or 0)

    async def replace_recovery_codes(self, user_id: str, digests: builtins.list[str], now: datetime) -> None:
        if not await self._in_realm(users, user_id):
            raise LookupError("no such user in this realm")
        await self.conn.execute(
            delete(recovery_codes).where(
                recovery_codes.c.realm_id == self.realm_id, recovery_codes.c.user_id == user_id
            )
        )
        if digests:
            rows = [
                {"realm_id": self.realm_id, "user_id": user_id, "code_hash": item, "created_at": now}
                for item in digests
            ]
            await self.conn.execute(insert(recovery_codes), rows)

    async def use_recovery_code(self, user_id: str, code_digest: str, now: datetime) -> bool:
        statement = (
            update(recovery_codes)
            .where(
                recovery_codes.c.realm_id == self.realm_id,
                recovery_codes.c.user_id == user_id,
                recovery_codes.c.code_hash == code_digest,
                recovery_codes.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return bool((await self.conn.execute(statement)).rowcount)

    async def recovery_codes_left(self, user_id: str) -> int:
        query = select(func.count()).where(
            recovery_codes.c.realm_id == self.realm_id,
            recovery_codes.c.user_id == user_id,
            recovery_codes.c.used_at.is_(None),
        )
        return int((await self.conn.execute(query)).scalar_one())

    async def add_challenge(self, challenge: Challenge) -> None:
        """One pending challenge per binding: a new one replaces the old."""
        if challenge.realm_id != self.realm_id or not await self._in_realm(users, challenge.user_id):
            raise LookupError("no such user in this realm")
        await self.conn.execute(
            delete(mfa_challenges).where(
                mfa_challenges.c.realm_id == self.realm_id, mfa_challenges.c.id == challenge.id
            )
        )
        await self.conn.execute(insert(mfa_challenges).values(**asdict(challenge)))

    async def take_challenge(self, challenge_id: str, now: datetime) -> Challenge | None:
        """The challenge, removed; None when absent, expired, or taken by a concurrent caller."""
        where = and_(mfa_challenges.c.realm_id == self.realm_id, mfa_challenges.c.id == challenge_id)
        row = (await self.conn.execute(select(mfa_challenges).where(where))).first()
        if row is None or not (await self.conn.execute(delete(mfa_challenges).where(where))).rowcount:
            return None
        challenge = Challenge(**dict(row._mapping))
        return challenge if challenge.expires_at > now else None
