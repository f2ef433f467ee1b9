"""Shared fixtures: a deployment per backend (SQLite always, PostgreSQL where reachable).

With CI=true a skipped test counts as a failure: CI must run everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tenantry.bootstrap import Runtime
from tenantry.services.access import Actor, system_actor
from tests.support.databases import deployment
from tests.support.environment import chromium_problem, in_ci, node_problem, postgres_problem, redis_problem

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


SLOW_FIRST = ("tests/interop/", "tests/controlplane/", "tests/integration/test_two_nodes.py")
"""Modules that start servers, browsers or worker processes run first, so that with several workers
the end of the run is many short modules spread over all of them, not one long module on one."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))
    needs = {
        "postgres": ("PostgreSQL", postgres_problem),
        "redis": ("Redis", redis_problem),
        "interop": ("Node.js", node_problem),
        "browser": ("Chromium", chromium_problem),
    }
    for marker, (server, problem_of) in needs.items():
        marked = [item for item in items if item.get_closest_marker(marker)]
        problem = problem_of() if marked else None
        if not problem:
            continue
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=f"{server} {problem}"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which is not allowed: {report.longrepr}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def runtime(backend: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    async with deployment(backend, tmp_path) as rt:
        yield rt


@pytest.fixture
def operator() -> Actor:
    return system_actor("test")


@pytest.fixture
async def api(runtime: Runtime):  # type: ignore[no-untyped-def]
    """httpx client on the ASGI app, authenticated as an operator."""
    from tests.support.api import api_client

    async with api_client(runtime) as client:
        yield client
