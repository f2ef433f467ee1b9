"""Turn a unique-index violation into the domain's ``Conflict``.

Services check uniqueness before writing, but two concurrent writers can both pass the check;
the index decides, and the loser must get a 409 like any other conflict, not a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError

from tenantry.core.errors import Conflict


def is_unique_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(exc.orig)


@asynccontextmanager
async def unique(code: str, message: str) -> AsyncIterator[None]:
    try:
        yield
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(message, code=code) from exc
        raise
