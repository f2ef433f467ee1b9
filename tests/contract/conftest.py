"""One migrated deployment per module and backend; each test works in realms of its own.

Migrating a fresh deployment per test would dominate the run time, and every case here creates
the realms it reads, so sharing the deployment within a module changes no outcome. Tests that
need a deployment-wide view (lists of realms, the domain re-check queue) take ``fresh_world``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tenantry.bootstrap import Runtime
from tests.contract.world import World
from tests.support.databases import deployment

DEPLOYMENT_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="module", params=DEPLOYMENT_BACKENDS)
async def shared_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with deployment(str(request.param), tmp_path_factory.mktemp("deployment")) as runtime:
        yield await World.of(runtime)


@pytest.fixture
def world(shared_world: World) -> World:
    return shared_world


@pytest.fixture
async def fresh_world(runtime: Runtime) -> World:
    """A deployment of its own, for cases that read deployment-wide lists."""
    return await World.of(runtime)
