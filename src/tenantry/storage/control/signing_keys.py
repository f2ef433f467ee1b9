"""A realm's signing keys in the control plane; the private key column holds sealed text only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Row

from tenantry.core.signing_key import KeyRecord

from ..tables_control import signing_keys
from ..uniqueness import unique
from .base import RealmBound


def _record(row: Row[Any]) -> KeyRecord:
    return KeyRecord(
        kid=row.kid,
        realm_id=row.realm_id,
        issuer=row.issuer,
        alg=row.alg,
        public_jwk=dict(row.public_jwk),
        sealed_private_key=row.sealed_private_key,
        created_at=row.created_at,
        activates_at=row.activates_at,
        superseded_at=row.superseded_at,
        retire_after=row.retire_after,
        revoked_at=row.revoked_at,
    )


class SqlSigningKeyRepository(RealmBound):
    table = signing_keys

    async def lock(self) -> None:
        """PostgreSQL: a transaction-scoped advisory lock per realm. SQLite: BEGIN IMMEDIATE already serialises."""
        if self.conn.dialect.name != "postgresql":
            return
        await self.conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"signing_keys:{self.realm_id}"}
        )

    async def add(self, record: KeyRecord) -> None:
        if record.realm_id != self.realm_id:
            raise ValueError("a key of another realm cannot be written through this repository")
        async with unique("signing_key_exists", "a signing key with this kid exists"):
            await self.conn.execute(
                insert(signing_keys).values(
                    kid=record.kid,
                    realm_id=record.realm_id,
                    issuer=record.issuer,
                    alg=record.alg,
                    sealed_private_key=record.sealed_private_key,
                    public_jwk=record.public_jwk,
                    created_at=record.created_at,
                    activates_at=record.activates_at,
                    superseded_at=record.superseded_at,
                    retire_after=record.retire_after,
                    revoked_at=record.revoked_at,
                )
            )

    async def get(self, kid: str) -> KeyRecord | None:
        row = (await self.conn.execute(self._scoped(select(signing_keys)).where(signing_keys.c.kid == kid))).first()
        return _record(row) if row else None

    async def all(self) -> list[KeyRecord]:
        rows = (await self.conn.execute(self._scoped(select(signing_keys)).order_by(signing_keys.c.kid))).all()
        return [_record(row) for row in rows]

    async def update(self, record: KeyRecord) -> None:
        await self.conn.execute(
            update(signing_keys)
            .where(signing_keys.c.kid == record.kid, signing_keys.c.realm_id == self.realm_id)
            .values(
                activates_at=record.activates_at,
                superseded_at=record.superseded_at,
                retire_after=record.retire_after,
                revoked_at=record.revoked_at,
            )
        )
