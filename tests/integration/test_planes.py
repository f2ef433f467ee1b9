"""Data planes: the per-plane migration gate (503 for that plane only), pins (L10) and the registry rules."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, text

from tenantry.core.errors import Conflict, InvalidInput, PlaneBehind, Unavailable
from tenantry.storage import migrate
from tenantry.storage.schema_versions import data_head
from tenantry.storage.urls import plane_url

PASSWORD = "correct horse battery"


async def _realm_with_user(api, name: str, plane: str | None = None) -> None:
    body = {"name": name, **({"plane": plane} if plane else {})}
    assert (await api.post("/api/v1/realms", json=body)).status_code == 201
    assert (await api.post(f"/api/v1/realms/{name}/connections", json={"name": "members"})).status_code == 201


async def test_a_plane_behind_answers_503_for_its_own_realms_only(api, runtime, operator):
    await _realm_with_user(api, "steady")
    lagging = await runtime.services.planes.register(operator, name="lagging", tier="dedicated")
    await asyncio.to_thread(migrate.ensure_database, plane_url(runtime.storage, lagging))
    await _realm_with_user(api, "stuck", plane="lagging")

    user = {"email": "dana@example.com", "password": PASSWORD, "connection": "members"}
    stuck = await api.post("/api/v1/realms/stuck/users", json=user)
    assert stuck.status_code == 503
    assert stuck.json()["error"] == "plane_schema_behind"
    assert (await api.post("/api/v1/realms/steady/users", json=user)).status_code == 201

    await runtime.migrate()
    assert (await api.post("/api/v1/realms/stuck/users", json=user)).status_code == 201


async def test_l10_pinned_planes_are_skipped_by_migrate_and_listed(runtime, operator):
    plane = await runtime.services.planes.register(operator, name="pinned", tier="dedicated")
    await asyncio.to_thread(migrate.upgrade_plane, runtime.storage, plane)
    await runtime.services.planes.pin(operator, "pinned", data_head())
    _, planes = await runtime.migrate()
    results = {result.plane: result for result in planes}
    assert results["pinned"].skipped == f"pinned at {data_head()}"
    assert results["shared"].skipped is None


async def test_l10_a_pin_names_a_known_revision(runtime, operator):
    await runtime.services.planes.register(operator, name="eu", tier="dedicated")
    with pytest.raises(InvalidInput) as refused:
        await runtime.services.planes.pin(operator, "eu", "no-such-revision")
    assert refused.value.code == "unknown_revision"
    listed = {plane.name: plane for plane in await runtime.services.planes.list()}
    assert listed["eu"].version_pin is None


async def test_plane_names_that_share_a_database_are_refused(runtime, operator):
    await runtime.services.planes.register(operator, name="eu-west")
    with pytest.raises(Conflict):
        await runtime.services.planes.register(operator, name="eu_west")
    assert [p.name for p in await runtime.services.planes.list()].count("eu-west") == 1
    assert "eu_west" not in [p.name for p in await runtime.services.planes.list()]


async def test_an_unknown_plane_server_is_refused_at_registration(runtime, operator):
    with pytest.raises(InvalidInput) as refused:
        await runtime.services.planes.register(operator, name="far", server="mars")
    assert refused.value.code == "unknown_plane_server"
    assert "far" not in [p.name for p in await runtime.services.planes.list()]


async def test_an_unreachable_plane_is_503_plane_unavailable(runtime, operator):
    plane = await runtime.services.planes.register(operator, name="gone")
    await asyncio.to_thread(migrate.upgrade_plane, runtime.storage, plane)
    await runtime.engines.ensure_current(plane)
    runtime.engines.forget(plane.id)
    await runtime.engines.dispose_plane(plane.id)
    await asyncio.to_thread(migrate.drop_plane_database, runtime.storage, plane)
    with pytest.raises(Unavailable) as refused:
        await runtime.engines.ensure_current(plane)
    assert refused.value.code in {"plane_unavailable", "plane_schema_behind"}


async def test_the_gate_error_is_typed(runtime, operator):
    plane = await runtime.services.planes.register(operator, name="empty")
    await asyncio.to_thread(migrate.ensure_database, plane_url(runtime.storage, plane))
    with pytest.raises(PlaneBehind):
        await runtime.engines.ensure_current(plane)


async def test_hostile_73_a_plane_that_fails_to_migrate_does_not_hold_back_the_others(runtime, operator, backend):
    """The broken plane is reported with its error; every other plane is still upgraded."""
    broken = await runtime.services.planes.register(operator, name="broken", tier="dedicated")
    healthy = await runtime.services.planes.register(operator, name="healthy", tier="dedicated")
    if backend == "sqlite":
        (runtime.storage.data_dir / "planes").mkdir(exist_ok=True)
        (runtime.storage.data_dir / "planes" / f"{broken.database}.db").write_bytes(b"not a database" * 100)
    else:
        await asyncio.to_thread(migrate.ensure_database, plane_url(runtime.storage, broken))
        engine = create_engine(migrate.sync_url(plane_url(runtime.storage, broken)))
        with engine.begin() as conn:  # a table the first migration wants to create already exists
            conn.execute(text("CREATE TABLE users (id text)"))
        engine.dispose()
    _, results = await runtime.migrate()
    by_name = {result.plane: result for result in results}
    assert by_name["broken"].error
    assert by_name["healthy"].error is None and by_name["healthy"].after == data_head()
    await runtime.engines.ensure_current(healthy)
