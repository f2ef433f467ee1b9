"""The embedded secret store behind ``tenantry-secret:`` references (SPEC L1, DESIGN.md section 8).

Secrets are sealed by the SecretStore port (Fernet under the master key, which lives outside the
database) and kept in the control plane's ``stored_secrets`` table; the table alone reveals nothing.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tenantry.core.clock import Clock
from tenantry.core.errors import InvalidInput
from tenantry.core.secret_ref import EMBEDDED, embedded
from tenantry.ports.adapters import SecretStore

from ..tables_control import stored_secrets
from ..uniqueness import is_unique_violation


def _path(ref: str) -> str:
    scheme, _, path = ref.partition(":")
    if scheme != EMBEDDED or not path:
        raise InvalidInput("this secret reference is not held by the embedded store", code="foreign_secret_ref")
    return path


class SqlSecretVault:
    def __init__(self, engine: AsyncEngine, sealer: SecretStore, clock: Clock):
        self.engine = engine
        self.sealer = sealer
        self.clock = clock

    async def put(self, path: str, value: bytes) -> str:
        """Create-or-get: a secret already stored under ``path`` is kept, so a rerun reuses it."""
        sealed = self.sealer.seal(value)
        try:
            async with self.engine.begin() as conn:
                exists = (
                    await conn.execute(select(stored_secrets.c.path).where(stored_secrets.c.path == path))
                ).first()
                if exists is None:
                    await conn.execute(
                        insert(stored_secrets).values(path=path, sealed=sealed, created_at=self.clock.now())
                    )
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
        return embedded(path)

    async def get(self, ref: str) -> bytes | None:
        async with self.engine.connect() as conn:
            query = select(stored_secrets.c.sealed).where(stored_secrets.c.path == _path(ref))
            sealed = (await conn.execute(query)).scalar()
        return None if sealed is None else self.sealer.open(sealed)

    async def delete(self, ref: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(stored_secrets).where(stored_secrets.c.path == _path(ref)))
        return bool(result.rowcount)
