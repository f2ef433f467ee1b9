"""``tenantry migrate`` and ``tenantry planes``: schema upgrades and the data-plane registry (L10)."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Annotated

import typer

from tenantry.bootstrap import Runtime
from tenantry.core.plane import DataPlane, PlaneTier
from tenantry.storage import migrate as storage_migrate
from tenantry.storage.migrate import PlaneResult

from .common import ACTOR, JsonOption, done, fail, print_items, run


class Tier(StrEnum):
    shared = "shared"
    dedicated = "dedicated"


app = typer.Typer(help="Data planes: list, register, pin to a schema revision (L10).", no_args_is_help=True)

PLANE_COLUMNS = (
    ("name", lambda p: p.name),
    ("id", lambda p: p.id),
    ("tier", lambda p: p.tier),
    ("region", lambda p: p.region),
    ("server", lambda p: p.server),
    ("database", lambda p: p.database),
    ("pinned at", lambda p: p.version_pin),
)


def migrate(as_json: JsonOption = False) -> None:
    """Upgrade the control plane and every data plane; pinned planes stay at their pin and are listed."""

    control, results = run(lambda runtime: runtime.migrate())
    rows = [control, *results]
    print_items(
        rows,
        (
            ("plane", lambda r: r.plane),
            ("before", lambda r: r.before or "(empty)"),
            ("after", lambda r: r.after),
            ("status", _status),
        ),
        as_json=as_json,
        title="Migrations",
    )
    failed = [result for result in results if result.error]
    if failed:
        fail(
            "migration_failed",
            f"{len(failed)} data plane(s) could not be upgraded; the others were",
            {"planes": [f"{result.plane}: {result.error}" for result in failed]},
        )


def _status(result: PlaneResult) -> str:
    if result.error:
        return f"FAILED: {result.error}"
    if result.skipped:
        return f"skipped: {result.skipped}"
    return "upgraded" if result.before != result.after else "up to date"


@app.command("list")
def list_planes(as_json: JsonOption = False) -> None:
    """List the registered data planes."""
    planes = run(lambda runtime: runtime.services.planes.list())
    print_items(planes, PLANE_COLUMNS, as_json=as_json, title="Data planes")


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Plane name (a lowercase slug).")],
    tier: Annotated[Tier, typer.Option("--tier", help="Shared pool or dedicated to one customer.")] = Tier.shared,
    region: Annotated[str | None, typer.Option("--region", help="Region label, e.g. eu-west-1.")] = None,
    server: Annotated[
        str | None, typer.Option("--server", help="Key into TENANTRY_PLANE_SERVERS (PostgreSQL only).")
    ] = None,
) -> None:
    """Register a data plane and create its schema."""

    async def work(runtime: Runtime) -> tuple[DataPlane, PlaneResult]:
        kind: PlaneTier = "dedicated" if tier is Tier.dedicated else "shared"
        plane = await runtime.services.planes.register(ACTOR, name=name, tier=kind, region=region, server=server)
        result = await asyncio.to_thread(storage_migrate.upgrade_plane, runtime.storage, plane)
        runtime.engines.forget(plane.id)
        return plane, result

    plane, result = run(work)
    done(f"data plane {plane.name} registered ({plane.id}), schema at {result.after}")


@app.command("pin")
def pin(
    name: Annotated[str, typer.Argument(help="Plane name.")],
    revision: Annotated[str, typer.Argument(help="Alembic revision of the data-plane tree to hold it at.")],
) -> None:
    """Hold a plane at a schema revision: `tenantry migrate` skips it until unpinned."""
    plane = run(lambda runtime: runtime.services.planes.pin(ACTOR, name, revision))
    done(f"data plane {plane.name} pinned at {revision}")


@app.command("unpin")
def unpin(name: Annotated[str, typer.Argument(help="Plane name.")]) -> None:
    """Release a pin; the next `tenantry migrate` upgrades the plane."""
    plane = run(lambda runtime: runtime.services.planes.pin(ACTOR, name, None))
    done(f"data plane {plane.name} unpinned; run `tenantry migrate` to upgrade it")
