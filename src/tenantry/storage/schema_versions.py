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
