"""Provisioners that make a dedicated data plane on the databases Tenantry reaches itself (SPEC L5).

``sqlite``: a file per plane in the data directory. ``postgres``: a database and a login role per
plane, on the control plane's server or on the configured server the plane names (the customer's
region, when ``TENANTRY_PLANE_SERVERS`` has a server under that name), copied from a template
database kept at the data-plane head (``<control database>_template``). Both are create-or-get, so a
rerun after a crash finishes what was half done; both migrate the plane to the code's head.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url

from tenantry.core.plane import DataPlane
from tenantry.core.secret_ref import embedded
from tenantry.ports.customers import PlaneRequest, ProvisionedPlane, SecretVault

from .engines import APP_ROLE
from .migrate import drop_plane_database, upgrade_plane
from .schema_versions import data_head
from .urls import StorageConfig, admin_url, plane_url, sync_url


class SqliteProvisioner:
    kind = "sqlite"

    def __init__(self, config: StorageConfig):
        self.config = config

    async def provision(self, request: PlaneRequest) -> ProvisionedPlane:
        result = await asyncio.to_thread(upgrade_plane, self.config, request.plane)
        path = self.config.data_dir / "planes" / f"{request.plane.database}.db"
        return ProvisionedPlane(endpoint=f"sqlite:///{path}", outputs={"revision": result.after})

    async def destroy(self, request: PlaneRequest) -> None:
        await asyncio.to_thread(drop_plane_database, self.config, request.plane)


def login_role(database: str) -> str:
    return f"{database}_login"


def _grant_login(conn: Connection, database: str, role: str, password: str) -> None:
    """Create the plane's login role (or reset its password to the stored one), limited to its database.

    Roles are cluster-wide and CREATE ROLE has no IF NOT EXISTS: a session advisory lock on the role's
    name makes the check-then-create safe when two executors race for the same plane.
    """
    conn.execute(text("SELECT pg_advisory_lock(hashtext(:r))"), {"r": role})
    try:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
        verb = "ALTER" if exists else "CREATE"
        quoted = password.replace("'", "''")
        conn.execute(text(f"{verb} ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{quoted}'"))
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(hashtext(:r))"), {"r": role})
    conn.execute(text(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC'))
    conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"'))
    conn.execute(text(f'GRANT {APP_ROLE} TO "{role}"'))


def _drop_login(url: URL, role: str) -> None:
    engine = create_engine(sync_url(admin_url(url)), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    finally:
        engine.dispose()


TEMPLATE_LOCK = text("SELECT pg_advisory_lock(hashtext('tenantry:plane-template'))")
TEMPLATE_UNLOCK = text("SELECT pg_advisory_unlock(hashtext('tenantry:plane-template'))")


def template_name(config: StorageConfig) -> str:
    return f"{make_url(config.database_url or '').database}_template"


_TEMPLATES_AT_HEAD: set[str] = set()
"""Templates this process has brought to the head already: the head only changes with the code."""


def _make_plane(config: StorageConfig, plane: DataPlane, role: str, password: str) -> str | None:
    """CREATE DATABASE … TEMPLATE a database kept at the data-plane head (a file copy, not a migration
    run), then the login role; return the plane's revision.

    The template is made and upgraded on the plane's server under a session lock, so concurrent
    onboardings neither migrate it twice nor copy it while it changes. A plane that already exists
    (a rerun after a crash) is upgraded in place instead.
    """
    url = plane_url(config, plane)
    template = replace(plane, id="template", name="template", database=template_name(config))
    engine = create_engine(sync_url(admin_url(url)), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(TEMPLATE_LOCK)
            try:
                query = text("SELECT 1 FROM pg_database WHERE datname = :n")
                created = conn.execute(query, {"n": url.database}).scalar() is None
                if created:
                    key = f"{url.host}:{url.port}/{template.database}"
                    if key not in _TEMPLATES_AT_HEAD:
                        upgrade_plane(config, template)
                        _TEMPLATES_AT_HEAD.add(key)
                    conn.execute(text(f'CREATE DATABASE "{url.database}" TEMPLATE "{template.database}"'))
            finally:
                conn.execute(TEMPLATE_UNLOCK)
            _grant_login(conn, str(url.database), role, password)
    finally:
        engine.dispose()
    return data_head() if created else upgrade_plane(config, plane).after


class PostgresProvisioner:
    kind = "postgres"

    def __init__(self, config: StorageConfig, vault: SecretVault):
        self.config = config
        self.vault = vault

    async def provision(self, request: PlaneRequest) -> ProvisionedPlane:
        plane = request.plane
        url = plane_url(self.config, plane)
        role = login_role(plane.database)
        ref = await self.vault.put(f"planes/{plane.database}/password", secrets.token_urlsafe(24).encode())
        password = await self.vault.get(ref)
        assert password is not None
        revision = await asyncio.to_thread(_make_plane, self.config, plane, role, password.decode())
        endpoint = url.set(drivername="postgresql", username=role, password=None).render_as_string()
        return ProvisionedPlane(
            endpoint=endpoint, data_plane_ref=ref, outputs={"revision": revision, "login_role": role}
        )

    async def destroy(self, request: PlaneRequest) -> None:
        plane = request.plane
        await asyncio.to_thread(drop_plane_database, self.config, plane)
        await asyncio.to_thread(_drop_login, plane_url(self.config, plane), login_role(plane.database))
        await self.vault.delete(embedded(f"planes/{plane.database}/password"))
