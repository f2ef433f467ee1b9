"""Throwaway deployments for tests: a fresh data directory, or fresh PostgreSQL databases, per use.

Migrating costs a few hundred milliseconds of CPU per deployment and most tests want one, so each
test process migrates a template once per backend and settings, then copies it: the files of the
data directory, and on PostgreSQL ``CREATE DATABASE … TEMPLATE`` with the plane registry pointed at
the copies. The template is what ``Runtime.migrate`` made, so the copy is the same deployment.
"""

from __future__ import annotations

import atexit
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tenantry.bootstrap import Runtime
from tenantry.config import Settings
from tenantry.core.clock import Clock

from .environment import POSTGRES_URL

STORAGE_SETTINGS = {"data_dir", "database_url", "plane_servers"}
"""What migrating depends on: a deployment that sets any of them is migrated, not copied."""
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


@dataclass(frozen=True, slots=True)
class _Template:
    data_dir: Path
    prefix: str | None


_TEMPLATES: dict[str, _Template] = {}


def _forget(template: _Template) -> None:
    shutil.rmtree(template.data_dir, ignore_errors=True)
    if template.prefix:
        _drop_databases(template.prefix)


async def _template(backend: str) -> _Template:
    """A migrated deployment made once per process for this backend."""
    if backend not in _TEMPLATES:
        data_dir = Path(tempfile.mkdtemp(prefix="tenantry-template-"))
        settings, prefix = test_settings(backend, data_dir)
        runtime = Runtime(settings)
        try:
            await runtime.migrate()
        finally:
            await runtime.close()
        _TEMPLATES[backend] = template = _Template(data_dir, prefix)
        atexit.register(_forget, template)
    return _TEMPLATES[backend]


def _copy(template: _Template, data_dir: Path, prefix: str | None) -> None:
    shutil.copytree(template.data_dir, data_dir, dirs_exist_ok=True)
    if template.prefix is None or prefix is None:
        return
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (template.prefix + "%",))
        for (name,) in rows.fetchall():
            conn.execute(
                f'CREATE DATABASE "{prefix}{name[len(template.prefix) :]}" TEMPLATE "{name}" STRATEGY FILE_COPY'
            )
    with psycopg.connect(make_url(POSTGRES_URL).set(database=prefix).render_as_string(hide_password=False)) as conn:
        conn.execute(
            "UPDATE data_planes SET database = %s || substr(database, %s) WHERE database LIKE %s",
            (prefix, len(template.prefix) + 1, template.prefix + "%"),
        )


@asynccontextmanager
async def deployment(
    backend: str, data_dir: Path, *, clock: Clock | None = None, **overrides: object
) -> AsyncIterator[Runtime]:
    """A migrated deployment with the default plane; databases are dropped on exit.

    ``clock`` replaces the system clock (e.g. a ``ManualClock`` for rules that depend on time).
    """
    settings, prefix = test_settings(backend, data_dir, **overrides)
    copied = clock is None and not overrides.keys() & STORAGE_SETTINGS
    try:
        if copied:
            _copy(await _template(backend), data_dir, prefix)
        runtime = Runtime(settings, clock=clock) if clock is not None else Runtime(settings)
    except BaseException:
        if prefix:
            _drop_databases(prefix)
        raise
    try:
        if not copied:
            await runtime.migrate()
        yield runtime
    finally:
        await runtime.close()
        if prefix:
            _drop_databases(prefix)
