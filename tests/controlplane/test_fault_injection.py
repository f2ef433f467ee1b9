"""SPEC L4 under SIGKILL: a worker killed before, inside or after any step, then rerun, converges to
exactly one customer, one data plane, one organization (or realm), no orphaned database, and an
audit trail with every transition. Two concurrent onboardings of one slug make one customer; a
changed input on retry is a 409.

The worker stops itself at a named point through the documented test hook
``TENANTRY_ONBOARDING_HALT_AT`` (``tenantry.controlplane.faults``).
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tenantry.bootstrap import Runtime
from tenantry.core.onboarding import ONBOARDING_STEPS
from tenantry.services.access import system_actor
from tests.support.databases import deployment
from tests.support.environment import POSTGRES_URL

from .worker import onboard_args, start, tenantry


@pytest.fixture
async def fleet(backend: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    async with deployment(backend, tmp_path, onboarding_lease_seconds=1) as runtime:
        yield runtime


def _databases(runtime: Runtime) -> set[str]:
    """Every plane database that exists, as files (SQLite) or databases (PostgreSQL)."""
    if runtime.settings.database_url is None:
        return {path.stem for path in (runtime.settings.data_dir / "planes").glob("*.db")}
    control = make_url(runtime.settings.database_url).database or ""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (control + "_plane_%",))
        return {row[0] for row in rows}


async def _converged(runtime: Runtime, slug: str, pattern: str = "isolated-org") -> None:
    operator = system_actor("test")
    async with runtime.ports.control.transaction() as tx:
        customers = [c for c in (await tx.customers.list(_all())).items if c.slug == slug]
        planes = [p for p in await tx.planes.list() if p.name == f"cus-{slug}"]
        host = await tx.realms.by_name(slug if pattern == "realm" else runtime.settings.customer_realm)
        assert host is not None
        orgs = [o for o in (await tx.organizations(host.id).list(_all())).items if o.name == slug]
        realms = [r for r in (await tx.realms.list(_all())).items if r.name == slug]
    assert len(customers) == 1 and customers[0].status == "active"
    assert len(planes) == 1 and customers[0].data_plane_id == planes[0].id
    assert len(orgs) == 1 and orgs[0].id == customers[0].organization_id
    assert len(realms) == (1 if pattern == "realm" else 0)
    async with runtime.ports.control.transaction() as tx:
        registered = {p.database for p in await tx.planes.list()}
    assert _databases(runtime) == registered, "a plane database exists that the registry does not know"
    trail = await runtime.customers.trail(operator, slug)
    seen = {(e.action, e.details.get("step")) for e in trail}
    for step in ONBOARDING_STEPS:
        assert ("customer.step.running", step) in seen and ("customer.step.succeeded", step) in seen
    assert [e.action for e in trail].count("customer.run.succeeded") == 1, "the audit log shows one run"
    if pattern == "realm":
        async with runtime.ports.control.transaction() as tx:
            keys = await tx.signing_keys(customers[0].realm_id or "").all()
        assert sorted(k.alg for k in keys) == ["ES256", "RS256"], "one key set"


def _all():  # type: ignore[no-untyped-def]
    from tenantry.ports.paging import PageRequest

    return PageRequest(limit=200)


def _kill_then_rerun(runtime: Runtime, slug: str, point: str, *more: str) -> None:
    killed = tenantry(runtime.settings, *onboard_args(slug, *more), TENANTRY_ONBOARDING_HALT_AT=point)
    assert killed.code == -signal.SIGKILL, f"{point}: {killed.code} {killed.err[-2000:]}"
    rerun = tenantry(runtime.settings, *onboard_args(slug, *more))
    assert rerun.code == 0, f"{point}: {rerun.err[-3000:]}"


PLACES = [pytest.param("sqlite", where, id=f"sqlite-{where}") for where in ("before", "inside", "after")] + [
    pytest.param("postgres", "inside", id="postgres-inside", marks=pytest.mark.postgres)
]
"""Every point on SQLite; on PostgreSQL the points inside each step, where a side effect is made but unrecorded."""


@pytest.mark.parametrize(("backend", "where"), PLACES)
async def test_l4_sigkill_at_every_point_then_rerun_converges(fleet: Runtime, where: str) -> None:
    """Each run is killed at the next step's point, so every kill is followed by a run that resumes
    from it (and is killed further on); a last run finishes and the result must have converged."""
    slug = f"c-{where}"
    for step in ONBOARDING_STEPS:
        point = f"{step}.{where}"
        killed = tenantry(fleet.settings, *onboard_args(slug, "--tier", "dedicated"), TENANTRY_ONBOARDING_HALT_AT=point)
        assert killed.code == -signal.SIGKILL, f"{point}: {killed.code} {killed.err[-2000:]}"
    finished = tenantry(fleet.settings, *onboard_args(slug, "--tier", "dedicated"))
    assert finished.code == 0, finished.err[-3000:]
    await _converged(fleet, slug)


async def test_l4_sigkill_inside_identity_of_an_own_realm(fleet: Runtime) -> None:
    _kill_then_rerun(fleet, "beta", "create_identity.inside", "--tier", "dedicated", "--pattern", "realm")
    await _converged(fleet, "beta", pattern="realm")


async def test_l4_retry_resumes_at_the_first_unfinished_step(fleet: Runtime) -> None:
    killed = tenantry(
        fleet.settings, *onboard_args("gamma", "--tier", "dedicated"), TENANTRY_ONBOARDING_HALT_AT="fork_content.before"
    )
    assert killed.code == -signal.SIGKILL
    retried = tenantry(fleet.settings, "customer", "retry", "gamma", "--reason", "resume after crash")
    assert retried.code == 0, retried.err[-3000:]
    steps = {s.step: s for s in await fleet.customers.steps(system_actor("test"), "gamma")}
    assert steps["provision_plane"].attempt == 1 and steps["fork_content"].attempt == 1
    await _converged(fleet, "gamma")


async def test_l4_changed_input_on_retry_is_a_409(fleet: Runtime) -> None:
    killed = tenantry(
        fleet.settings,
        *onboard_args("delta", "--tier", "dedicated"),
        TENANTRY_ONBOARDING_HALT_AT="provision_plane.after",
    )
    assert killed.code == -signal.SIGKILL
    changed = tenantry(fleet.settings, *onboard_args("delta", "--tier", "shared"))
    assert changed.code == 1 and "step_drift" in changed.err


async def test_l4_two_concurrent_onboardings_of_one_slug_make_one_customer(fleet: Runtime) -> None:
    workers = [start(fleet.settings, *onboard_args("epsilon", "--tier", "dedicated")) for _ in range(2)]
    results = [(w.communicate(timeout=300), w.returncode) for w in workers]
    assert all(code == 0 for _, code in results), [err[-3000:] for (_, err), _ in results]
    await _converged(fleet, "epsilon")
