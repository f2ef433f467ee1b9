"""Where the two Alembic trees live, their version tables, and the heads the code expects."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).parent / "migrations"
CONTROL_VERSION_TABLE = "alembic_version_control_plane"
DATA_VERSION_TABLE = "alembic_version_data_plane"


def alembic_config(tree: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS / tree))
    config.set_main_option("version_table", CONTROL_VERSION_TABLE if tree == "control_plane" else DATA_VERSION_TABLE)
    return config


@cache
def head(tree: str) -> str:
    heads = ScriptDirectory.from_config(alembic_config(tree)).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the {tree} migration tree must have exactly one head, has {heads}")
    return heads[0]


OLDEST_SUPPORTED_DATA_REVISION = "dp0006_hooks"
"""L10: the code serves every data-plane revision from this one up to head, so pinned planes keep serving.

``dp0006_hooks``: token families carry the claims post-login hooks added, which the grants write and read."""


@cache
def supported_data_revisions() -> frozenset[str]:
    supported = []
    for revision in ScriptDirectory.from_config(alembic_config("data_plane")).walk_revisions():
        supported.append(revision.revision)
        if revision.revision == OLDEST_SUPPORTED_DATA_REVISION:
            break
    return frozenset(supported)


@cache
def data_revisions() -> frozenset[str]:
    """Every revision of the data-plane tree: what a plane may be pinned at."""
    script = ScriptDirectory.from_config(alembic_config("data_plane"))
    return frozenset(revision.revision for revision in script.walk_revisions())


def data_head() -> str:
    return head("data_plane")


def control_head() -> str:
    return head("control_plane")


def plane_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": DATA_VERSION_TABLE})
    return context.get_current_revision()


def control_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": CONTROL_VERSION_TABLE})
    return context.get_current_revision()
