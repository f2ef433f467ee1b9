"""Upgrades the control plane and data planes from code (``tenantry migrate``).

Runs Alembic synchronously (it is a maintenance command, not a request path); on PostgreSQL a
plane's database is created first when it does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tenantry.core.plane import DataPlane

from .schema_versions import alembic_config, control_revision, plane_revision
from .urls import StorageConfig, admin_url, control_url, plane_url, sync_url


@dataclass(slots=True)
class PlaneResult:
    plane: str
    before: str | None
    after: str | None
    skipped: str | None = None
    error: str | None = None
    """Why this plane could not be upgraded; the other planes are upgraded regardless (HOSTILE 73)."""


def ensure_database(url: URL) -> bool:
    """Create a PostgreSQL database when absent; return whether it was created. SQLite creates on open."""
    if not url.drivername.startswith("postgresql"):
        return False
    engine = create_engine(sync_url(admin_url(url)), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).scalar()
            if exists:
                return False
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            return True
    finally:
        engine.dispose()


def _upgrade(tree: str, url: URL, revision: str = "head") -> tuple[str | None, str | None]:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            reader = control_revision if tree == "control_plane" else plane_revision
            before = reader(conn)
            config = alembic_config(tree)
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            after = reader(conn)
        return before, after
    finally:
        engine.dispose()


def upgrade_control(config: StorageConfig) -> tuple[str | None, str | None]:
    if not config.postgres:
        config.data_dir.mkdir(parents=True, exist_ok=True)
    url = control_url(config)
    ensure_database(url)
    return _upgrade("control_plane", url)


def upgrade_plane(config: StorageConfig, plane: DataPlane, revision: str = "head") -> PlaneResult:
    if not config.postgres:
        (config.data_dir / "planes").mkdir(parents=True, exist_ok=True)
    url = plane_url(config, plane)
    ensure_database(url)
    before, after = _upgrade("data_plane", url, revision)
    return PlaneResult(plane=plane.name, before=before, after=after)


def drop_plane_database(config: StorageConfig, plane: DataPlane) -> None:
    """Remove a plane's database entirely (used by offboarding and by tests)."""
    url = plane_url(config, plane)
    if url.drivername.startswith("postgresql"):
        engine = create_engine(sync_url(admin_url(url)), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        finally:
            engine.dispose()
    elif url.database:
        for suffix in ("", "-wal", "-shm"):
            path = config.data_dir / "planes" / f"{plane.database}.db{suffix}"
            path.unlink(missing_ok=True)
