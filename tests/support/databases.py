"""Throwaway deployments for tests: a fresh data directory, or fresh PostgreSQL databases, per use."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tenantry.bootstrap import Runtime
from tenantry.config import Settings
from tenantry.core.clock import Clock

from .environment import POSTGRES_URL

FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}


def _drop_databases(prefix: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        names = [
            row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",))
        ]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        roles = [row[0] for row in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (prefix + "%",))]
        for role in roles:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')  # the login roles of dedicated planes


def test_settings(backend: str, data_dir: Path, **overrides: object) -> tuple[Settings, str | None]:
    """Settings for a new deployment; for PostgreSQL also the database-name prefix to drop afterwards."""
    values: dict[str, object] = {"data_dir": data_dir, **FAST_HASHING, "domain_recheck_seconds": 0}
    prefix = None
    if backend == "postgres":
        prefix = f"tt_{secrets.token_hex(5)}"
        values["database_url"] = str(make_url(POSTGRES_URL).set(database=prefix))
    values.update(overrides)
    return Settings(**values), prefix  # type: ignore[arg-type]


@asynccontextmanager
async def deployment(
    backend: str, data_dir: Path, *, clock: Clock | None = None, **overrides: object
) -> AsyncIterator[Runtime]:
    """A migrated deployment with the default plane; databases are dropped on exit.

    ``clock`` replaces the system clock (e.g. a ``ManualClock`` for rules that depend on time).
    """
    settings, prefix = test_settings(backend, data_dir, **overrides)
    runtime = Runtime(settings, clock=clock) if clock is not None else Runtime(settings)
    try:
        await runtime.migrate()
        yield runtime
    finally:
        await runtime.close()
        if prefix:
            _drop_databases(prefix)
