"""Database URLs for the control plane and each data plane, embedded (SQLite) or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from tenantry.core.plane import DataPlane


@dataclass(frozen=True, slots=True)
class StorageConfig:
    """What storage needs to know, handed in by the composition root (storage never reads settings)."""

    data_dir: Path
    database_url: str | None = None
    plane_servers: dict[str, str] = field(default_factory=dict)

    @property
    def postgres(self) -> bool:
        return bool(self.database_url and self.database_url.startswith(("postgresql", "postgres")))


def _async_pg(url: str) -> URL:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg")


def control_url(config: StorageConfig) -> URL:
    if config.postgres:
        assert config.database_url is not None
        return _async_pg(config.database_url)
    return URL.create("sqlite+aiosqlite", database=str(config.data_dir / "control.db"))


def plane_url(config: StorageConfig, plane: DataPlane) -> URL:
    if config.postgres:
        server = config.plane_servers.get(plane.server) if plane.server else config.database_url
        if server is None:
            raise LookupError(f"no server configured under the name {plane.server!r}")
        return _async_pg(server).set(database=plane.database)
    return URL.create("sqlite+aiosqlite", database=str(config.data_dir / "planes" / f"{plane.database}.db"))


def admin_url(url: URL) -> URL:
    """The maintenance database on the same server, for CREATE DATABASE."""
    return url.set(database="postgres")


def sync_url(url: URL) -> URL:
    """Alembic runs synchronously: same database, synchronous driver."""
    if url.drivername.startswith("sqlite"):
        return url.set(drivername="sqlite")
    return url.set(drivername="postgresql+psycopg")
