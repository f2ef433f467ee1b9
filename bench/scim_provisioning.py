"""SCIM provisioning benchmark: users created then deactivated per second per core (target >= 300/s), and the
p99 of ``filter=userName eq`` among 1,000,000 provisioned users (target < 5 ms).

Builds a throwaway PostgreSQL deployment (a fresh control database and its ``shared`` data plane) with
realm ``bench``, a database connection ``directory`` and a SCIM token. Tenantry then runs as ONE uvicorn
process pinned to one core (``taskset``); the client (httpx, pinned to another core) keeps ``--concurrency``
requests in flight and sends, over HTTP:

1. ``POST /Users`` for ``--users`` users (userName, name, a work email, externalId), each answered 201;
2. ``PATCH /Users/{id}`` with Entra's ``{"op": "Replace", "path": "active", "value": "False"}`` for each,
   answered 200 with ``"active": false`` (which also revokes the user's sessions and refresh tokens).

Then the data plane is filled up to ``--million`` SCIM users with ``INSERT ... SELECT generate_series`` (users,
SCIM records and emails, in the same shape the server writes), analysed, and ``GET /Users?filter=userName eq
"..."`` is timed one request at a time for random existing names. The plan PostgreSQL chooses for that lookup
(under the application role and row-level security, as the server runs it) is printed and must use the
userName index.

Run: ``.venv/bin/python bench/scim_provisioning.py`` (``--quick`` for a smoke run). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from _common import (
    REALM,
    Accounting,
    Database,
    Databases,
    Run,
    add_server_arguments,
    check_server_arguments,
    control_database,
    databases_of,
    drop_deployment,
    free_port,
    low_cpu_note,
    ms,
    new_runtime,
    pinned_backends,
    resource_cells,
    resource_header,
    resource_legend,
    start_tenantry,
    versions,
    wait_ready,
)
from sqlalchemy.engine import make_url

from tenantry.services.access import system_actor

TARGET_RATE = 300
"""Users provisioned (created, then deactivated) per second per core."""
TARGET_P99_MS = 5.0
SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CONNECTION = "directory"


@dataclass
class Deployment:
    databases: Databases
    token: str
    realm_id: str
    connection_id: str


async def deploy(args: argparse.Namespace, data_dir: Path, base_url: str, made: list[str]) -> Deployment:
    """Migrate; realm, connection and a SCIM token through the services (as the system actor)."""
    runtime = new_runtime(args.postgres_url, "bench_scim", data_dir, base_url)
    made.append(control_database(runtime))
    try:
        await runtime.migrate()
        actor = system_actor("bench")
        realm = await runtime.services.realms.create(actor, name=REALM)
        connection = await runtime.services.connections.create(actor, realm.id, name=CONNECTION)
        _, token = await runtime.services.scim_tokens.create(actor, realm.id, connection.id, name="bench")
        return Deployment(await databases_of(runtime, realm), token, realm.id, connection.id)
    finally:
        await runtime.close()


def _user(index: int) -> dict[str, object]:
    return {
        "schemas": [USER_SCHEMA],
        "userName": f"bench.user{index}@example.com",
        "externalId": f"ext-{index}",
        "active": True,
        "name": {"givenName": "Bench", "familyName": f"User{index}"},
        "emails": [{"value": f"bench.user{index}@example.com", "type": "work", "primary": True}],
    }


async def _drive(
    client: httpx.AsyncClient, requests: list[tuple[str, str, object]], concurrency: int, expect: int
) -> Run:
    """Send every request with ``concurrency`` in flight; latencies and wrong answers counted."""
    queue = list(reversed(requests))
    latencies: list[float] = []
    bad = 0
    sample = ""
    ids: list[str] = []

    async def worker() -> None:
        nonlocal bad, sample
        while queue:
            method, path, body = queue.pop()
            started = time.perf_counter()
            response = await client.request(method, path, json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != expect:
                bad += 1
                sample = sample or f"{response.status_code} {response.text[:200]}"
            elif method == "POST":
                ids.append(response.json()["id"])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)

    def pick(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0

    run = Run("", len(latencies), seconds, pick(0.5), pick(0.9), pick(0.99), pick(1.0), bad, {}, sample=sample)
    run.ids = ids  # type: ignore[attr-defined]
    return run


SEED_SQL = (
    """INSERT INTO users (id, realm_id, connection_id, email, email_verified, name, given_name, family_name, blocked,
       app_metadata, user_metadata, created_at, updated_at)
     SELECT 'usr_seed' || lpad(i::text, 24, '0'), %(realm)s, %(con)s, 'seed' || i || '@example.com', false,
            'Seed ' || i, 'Seed', 'User' || i, false, '{}', '{}', now(), now()
       FROM generate_series(%(first)s, %(last)s) AS i""",
    """INSERT INTO scim_users
            (user_id, realm_id, connection_id, user_name, user_name_key, external_id, attributes, version)
     SELECT 'usr_seed' || lpad(i::text, 24, '0'), %(realm)s, %(con)s, 'Seed' || i || '@example.com',
            'seed' || i || '@example.com', 'seed-ext-' || i,
            jsonb_build_object('userName', 'Seed' || i || '@example.com'), 1
       FROM generate_series(%(first)s, %(last)s) AS i""",
    """INSERT INTO scim_user_emails (user_id, position, realm_id, connection_id, value, value_key, type, is_primary)
     SELECT 'usr_seed' || lpad(i::text, 24, '0'), 0, %(realm)s, %(con)s, 'seed' || i || '@example.com',
            'seed' || i || '@example.com', 'work', true
       FROM generate_series(%(first)s, %(last)s) AS i""",
)
LOOKUP_SQL = """EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT scim_users.user_id FROM scim_users JOIN users ON users.id = scim_users.user_id
 WHERE scim_users.realm_id = %(realm)s AND scim_users.connection_id = %(con)s AND users.realm_id = %(realm)s
   AND scim_users.user_name_key IS NOT NULL AND scim_users.user_name_key = %(key)s
 ORDER BY scim_users.user_id LIMIT 200 OFFSET 0"""


def seed(plane_url: str, realm_id: str, connection_id: str, existing: int, total: int) -> float:
    """Fill the plane up to ``total`` SCIM users in batches of 200,000; returns the seconds it took."""
    started = time.perf_counter()
    with psycopg.connect(plane_url, autocommit=True) as conn:
        first = 1
        while first <= total - existing:
            last = min(total - existing, first + 199_999)
            with conn.transaction():
                for statement in SEED_SQL:
                    conn.execute(statement, {"realm": realm_id, "con": connection_id, "first": first, "last": last})
            first = last + 1
        conn.execute("ANALYZE users, scim_users, scim_user_emails")
    return time.perf_counter() - started


def lookup_plan(plane_url: str, realm_id: str, connection_id: str) -> str:
    """The plan of the repository's userName lookup, run as the server runs it (application role, RLS)."""
    with psycopg.connect(plane_url) as conn:
        conn.execute(
            "SELECT set_config('role', 'tenantry_app', true), set_config('tenantry.realm_id', %s, true)", (realm_id,)
        )
        rows = conn.execute(
            LOOKUP_SQL, {"realm": realm_id, "con": connection_id, "key": "seed4242@example.com"}
        ).fetchall()
        conn.rollback()
    return "\n".join(row[0] for row in rows)


async def filter_latency(client: httpx.AsyncClient, total_seeded: int, lookups: int) -> tuple[Run, int]:
    """One request at a time; each names a random seeded user and must find exactly it."""
    names = [f"Seed{random.randint(1, total_seeded)}@EXAMPLE.com" for _ in range(lookups)]
    for name in names[:50]:  # warm-up: connection, caches
        await client.get("/Users", params={"filter": f'userName eq "{name}"'})
    latencies, wrong = [], 0
    started = time.perf_counter()
    for name in names:
        began = time.perf_counter()
        response = await client.get("/Users", params={"filter": f'userName eq "{name}"'})
        latencies.append(time.perf_counter() - began)
        wrong += response.status_code != 200 or response.json()["totalResults"] != 1
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)
    p = [ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 for share in (0.5, 0.9, 0.99, 1.0)]
    return Run("filter", len(names), seconds, p[0], p[1], p[2], p[3], wrong, {}), wrong


def report_run(title: str, run: Run, args: argparse.Namespace) -> str:
    return (
        f"{title:<22}{run.requests:>8,}{run.rate:>10,.0f}{ms(run.p50_ms):>8}{ms(run.p99_ms):>8}{run.bad:>6}"
        f"{resource_cells(run, args.server_cpu, args.client_cpu, 'user')}"
    )


async def measure(args: argparse.Namespace, work: Path, made: list[str]) -> int:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    deployment = await deploy(args, work / "data", base_url, made)
    databases, token = deployment.databases, deployment.token
    realm_id, connection_id = deployment.realm_id, deployment.connection_id
    plane_url = make_url(args.postgres_url).set(database=databases.plane_db).render_as_string(hide_password=False)
    database = Database(args.postgres_url, (databases.control_db, databases.plane_db))
    server = start_tenantry(args, databases, work, port)
    try:
        wait_ready(server, "/readyz", timeout=120)
        os.sched_setaffinity(0, {args.client_cpu})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": SCIM_JSON}
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        async with httpx.AsyncClient(
            base_url=f"{base_url}/realms/{REALM}/scim/v2", headers=headers, timeout=30, limits=limits
        ) as client:
            creates = [("POST", "/Users", _user(index)) for index in range(args.users)]
            with pinned_backends(database, args.db_cpu):
                accounting = Accounting(server.process.pid, database)
                created = await _drive(client, creates, args.concurrency, 201)
                accounting.finish(created)
                patch = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
                deactivations = [("PATCH", f"/Users/{uid}", patch) for uid in created.ids]  # type: ignore[attr-defined]
                accounting = Accounting(server.process.pid, database)
                deactivated = await _drive(client, deactivations, args.concurrency, 200)
                accounting.finish(deactivated)
            seeded_seconds = seed(plane_url, realm_id, connection_id, args.users, args.million)
            plan = lookup_plan(plane_url, realm_id, connection_id)
            lookups, wrong = await filter_latency(client, args.million - args.users, args.lookups)
    finally:
        server.stop()
    both = created.seconds + deactivated.seconds
    provisioned_rate = args.users / both if both else 0.0
    print(
        f"SCIM provisioning over HTTP: 1 Tenantry process pinned to core {args.server_cpu}, PostgreSQL, "
        f"{args.concurrency} requests in flight from core {args.client_cpu}"
    )
    print(versions(args.postgres_url))
    header = resource_header(args.server_cpu, args.client_cpu, "user")
    print(f"{'':<22}{'users':>8}{'per s':>10}{'p50 ms':>8}{'p99 ms':>8}{'bad':>6}{header}")
    print(report_run("POST /Users", created, args))
    print(report_run("PATCH active=False", deactivated, args))
    for line in resource_legend(args, unit="user", noun="user"):
        print(f"  {line}")
    for run, name in ((created, "create"), (deactivated, "deactivate")):
        note = low_cpu_note(f"Tenantry ({name})", run)
        if note:
            print(note)
        if run.sample:
            print(f"first wrong answer ({name}): {run.sample}")
    print(f"provisioned (created + deactivated): {provisioned_rate:,.0f} users/s on one core (target >= {TARGET_RATE})")
    print(
        f"\nseeded {args.million - args.users:,} more SCIM users with INSERT ... SELECT generate_series"
        f" in {seeded_seconds:.0f} s"
    )
    print(f"plan of the userName lookup among {args.million:,} users (application role, row-level security):")
    print("  " + plan.replace("\n", "\n  "))
    uses_index = "uq_scim_users_user_name" in plan
    print(
        f"GET /Users?filter=userName eq: {lookups.requests:,} lookups one at a time, p50 {ms(lookups.p50_ms)} ms,"
        f" p90 {ms(lookups.p90_ms)} ms, p99 {ms(lookups.p99_ms)} ms, max {ms(lookups.max_ms)} ms"
        f" (target p99 < {TARGET_P99_MS:.0f} ms); wrong answers: {wrong}"
    )
    ok = (
        created.bad == 0
        and deactivated.bad == 0
        and wrong == 0
        and uses_index
        and provisioned_rate >= TARGET_RATE
        and lookups.p99_ms < TARGET_P99_MS
    )
    print("verdict:", "targets met" if ok else "targets NOT met (see above; the machine is shared and noisy)")
    return 0 if (created.bad == 0 and deactivated.bad == 0 and wrong == 0 and uses_index) else 1


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--users", type=int, default=None, help="users created then deactivated (10,000; --quick: 1,000)"
    )
    parser.add_argument(
        "--million", type=int, default=None, help="SCIM users for the filter (1,000,000; --quick: 100,000)"
    )
    parser.add_argument("--lookups", type=int, default=2000, help="timed filter requests (2,000)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 users, 100,000 for the filter")
    add_server_arguments(parser, client="the httpx client")
    args = parser.parse_args(argv)
    args.users = args.users or (1_000 if args.quick else 10_000)
    args.million = args.million or (100_000 if args.quick else 1_000_000)
    if args.million <= args.users:
        parser.error("--million must be larger than --users")
    check_server_arguments(parser, args)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-scim-"))
    made: list[str] = []
    try:
        return asyncio.run(measure(args, work, made))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for control_db in made:
            if args.keep:
                print(f"kept {control_db} and its planes (DROP DATABASE ... WITH (FORCE) to remove)", file=sys.stderr)
            else:
                drop_deployment(args.postgres_url, control_db)


if __name__ == "__main__":
    raise SystemExit(main())
