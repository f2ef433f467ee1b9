"""Onboarding benchmark: how long does one dedicated customer take, and do existing customers notice?

Builds a throwaway PostgreSQL deployment, onboards ``--existing`` dedicated customers (each an isolated
organization on its own database, one user each), times the routing of a login for those customers
(organization by name → its data plane → the user by email, under RLS), then onboards ``--customers``
more dedicated customers one after another through the real pipeline (durable workflow, recorded
steps, ``postgres`` provisioner: CREATE DATABASE, a login role, the data-plane migrations, starter
content, identity) and times each, then times the routing of the first customers again.

Reports p50/p99 seconds per onboarding (target p50 < 1.5 s) and routing p50/p99 before and after
(target: flat, ratio after/before ≤ 1.2 at p50).

Run: ``.venv/bin/python bench/onboarding.py`` (``--quick`` for 20 customers). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from tenantry.bootstrap import Runtime
from tenantry.core.customer import Customer
from tenantry.services.access import system_actor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import DEFAULT_URL, control_database, drop_databases, drop_deployment, new_runtime

OPERATOR = system_actor("bench")
PASSWORD = "bench correct horse battery staple"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def onboard(runtime: Runtime, slug: str) -> tuple[Customer, float]:
    spec = {"name": slug.title(), "slug": slug, "tier": "dedicated", "region": "eu-west-1"}
    started = time.perf_counter()
    customer = await runtime.customers.onboard(OPERATOR, spec, reason="benchmark")
    return customer, time.perf_counter() - started


async def route(runtime: Runtime, customer: Customer, email: str) -> float:
    """What a login does before it checks a password: organization → plane → user, no scan."""
    started = time.perf_counter()
    realm = await runtime.services.configuration.by_name(runtime.settings.customer_realm)
    assert realm is not None
    organization = await runtime.services.configuration.organization(realm.id, customer.slug)
    assert organization is not None
    plane = await runtime.services.configuration.plane(organization.data_plane_id)
    assert plane is not None
    async with runtime.ports.planes.transaction(plane, realm.id) as data:
        found = await data.users.with_email(email)
    assert len(found) == 1
    return time.perf_counter() - started


async def routing(runtime: Runtime, customers: list[Customer], samples: int, *, release: bool = True) -> list[float]:
    timings = []
    for i in range(samples):
        customer = customers[i % len(customers)]
        timings.append(await route(runtime, customer, f"user@{customer.slug}.example.com"))
    if not release:
        return timings
    for customer in customers:  # one pool per plane would exhaust the server's connections
        async with runtime.ports.control.transaction() as tx:
            plane = await tx.planes.get(customer.data_plane_id or "")
        assert plane is not None
        await runtime.ports.planes.release(plane)
    return timings


async def step_seconds(runtime: Runtime, count: int) -> dict[str, float]:
    """Median seconds each recorded step took; the rest of an onboarding is the workflow engine's own."""
    spent: dict[str, list[float]] = {}
    for i in range(count):
        for record in await runtime.customers.steps(OPERATOR, f"new-{i:03d}"):
            if record.started_at and record.finished_at:
                spent.setdefault(record.step, []).append((record.finished_at - record.started_at).total_seconds())
    return {step: statistics.median(values) for step, values in spent.items()}


async def run(args: argparse.Namespace) -> bool:
    data_dir = Path(tempfile.mkdtemp(prefix="tenantry-bench-onboarding-"))
    runtime = new_runtime(args.postgres_url, "bench_onb", data_dir, "http://127.0.0.1:8000")
    try:
        await runtime.migrate()
        await runtime.start()  # the change feed: configuration reads are cached, as on a serving node
        existing = []
        for i in range(args.existing):
            customer, _ = await onboard(runtime, f"old-{i:03d}")
            await runtime.services.users.create(
                OPERATOR,
                runtime.settings.customer_realm,
                connection=f"org-{customer.slug}",
                email=f"user@{customer.slug}.example.com",
                password=PASSWORD,
            )
            existing.append(customer)
        await routing(runtime, existing, args.warmup, release=False)
        before = await routing(runtime, existing, args.samples)
        durations = []
        for i in range(args.customers):
            _, seconds = await onboard(runtime, f"new-{i:03d}")
            durations.append(seconds)
            if (i + 1) % 50 == 0:
                print(f"  onboarded {i + 1}/{args.customers}: last {seconds:.2f} s", flush=True)
        await routing(runtime, existing, args.warmup, release=False)
        after = await routing(runtime, existing, args.samples)
        per_step = await step_seconds(runtime, args.customers)
    finally:
        control = control_database(runtime)
        await runtime.close()
        if not args.keep:
            drop_deployment(args.postgres_url, control)
            drop_databases(args.postgres_url, f"{control}_template")
            with psycopg.connect(args.postgres_url, autocommit=True) as conn:
                for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)", (control,)):
                    conn.execute(f'DROP ROLE IF EXISTS "{role}"')
    p50, p99 = statistics.median(durations), pct(durations, 0.99)
    ratio = statistics.median(after) / statistics.median(before)
    print(f"\nOnboarding {args.customers} dedicated customers on PostgreSQL ({os.cpu_count()} cores, shared machine)")
    print(f"  per onboarding: p50 {p50:.3f} s  p99 {pct(durations, 0.99):.3f} s  max {max(durations):.3f} s")
    print(
        f"  routing of {args.existing} existing customers: before p50 {statistics.median(before) * 1000:.2f} ms "
        f"p99 {pct(before, 0.99) * 1000:.2f} ms; after p50 {statistics.median(after) * 1000:.2f} ms "
        f"p99 {pct(after, 0.99) * 1000:.2f} ms; ratio {ratio:.2f}"
    )
    print("  inside the pipeline, p50 per step: " + ", ".join(f"{k} {v:.3f} s" for k, v in per_step.items()))
    met = p50 < args.target_p50 and ratio <= args.max_ratio
    print(f"  verdict: {'met' if met else 'NOT met'} (p50 < {args.target_p50} s, routing ratio <= {args.max_ratio})")
    return met and p99 >= 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=200, help="dedicated customers onboarded and timed (200)")
    parser.add_argument("--existing", type=int, default=10, help="customers whose routing is timed before and after")
    parser.add_argument("--samples", type=int, default=2000, help="timed routings before and after")
    parser.add_argument("--warmup", type=int, default=200, help="untimed routings first")
    parser.add_argument("--postgres-url", default=os.environ.get("TENANTRY_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--target-p50", type=float, default=1.5)
    parser.add_argument("--max-ratio", type=float, default=1.2)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 customers, 500 samples")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.samples, args.warmup = 20, 500, 50
    return 0 if asyncio.run(run(args)) else 1


if __name__ == "__main__":
    sys.exit(main())
