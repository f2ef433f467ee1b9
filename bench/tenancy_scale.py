"""Tenancy scale benchmark: do hot lookups stay flat from 1,000 to 100,000 organizations?

Builds a throwaway PostgreSQL deployment (a fresh control database and its ``shared`` data plane),
bulk-loads organizations, verified domain claims, users and memberships with COPY, and times four
lookups through the real repositories (data-plane reads run as the application role under RLS):

- membership check      ``data.memberships.get(org_id, user_id)`` in a plane transaction
- organization by name  ``tx.organizations(realm_id).by_name(name)`` in a control transaction
- user by email         ``data.users.with_email(email)`` in a plane transaction
- HRD domain lookup     ``tx.domains(realm_id).verified(domain)`` in a control transaction

once with the small size loaded and once more after growing to the large size, then prints p50/p99
per lookup at both sizes, the ratio large/small, and the top of each query's EXPLAIN plan.

Run: ``.venv/bin/python bench/tenancy_scale.py`` (``--quick`` for a smoke run). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from tenantry.bootstrap import Runtime
from tenantry.config import Settings
from tenantry.core.clock import epoch_ms
from tenantry.core.ids import ID_PATTERN, new_id
from tenantry.core.plane import DataPlane
from tenantry.services.access import system_actor

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LOOKUPS = ("membership check", "organization by name", "user by email", "HRD domain lookup")
PLANE_LOOKUPS = frozenset({"membership check", "user by email"})
BASELINE = "baseline: SELECT 1"
"""``SELECT 1`` in a plane transaction, timed alongside the lookups: it does not depend on the data,
so how much it moves between the two measurements is how much the machine itself moved."""
CHUNK_ROWS = 50_000
EXTRA_MEMBERSHIP_EVERY = 1_000
"""Every 1,000th user also belongs to three more organizations (users with several memberships)."""
EXTRA_MEMBERSHIPS = 3
SELECT_ONE = text("SELECT 1")


# ---------------------------------------------------------------- identifiers


_PAIRS = [a + b for a in "0123456789abcdefghjkmnpqrstvwxyz" for b in "0123456789abcdefghjkmnpqrstvwxyz"]
"""Crockford base32 of every 10-bit value: two characters per lookup."""
_MASK48 = (1 << 48) - 1
_MASK62 = (1 << 62) - 1
_MASK74 = (1 << 74) - 1


def fast_ids(prefix: str, first_ms: int, count: int) -> list[str]:
    """``count`` ids in exactly ``tenantry.core.ids.new_id``'s format, one millisecond apart.

    Same UUIDv7 layout and rendering, but 13 lookups of two characters instead of 26 of one, and
    the random bits drawn in one call: about five times faster, which matters for a million users.
    """
    raw = os.urandom(10 * count)
    head = f"{prefix}_"
    t = _PAIRS
    out = []
    for i in range(count):
        rand = int.from_bytes(raw[10 * i : 10 * i + 10], "big") & _MASK74
        v = ((first_ms + i) & _MASK48) << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | (rand & _MASK62)
        out.append(
            head
            + "".join(
                (
                    t[v >> 120],
                    t[(v >> 110) & 1023],
                    t[(v >> 100) & 1023],
                    t[(v >> 90) & 1023],
                    t[(v >> 80) & 1023],
                    t[(v >> 70) & 1023],
                    t[(v >> 60) & 1023],
                    t[(v >> 50) & 1023],
                    t[(v >> 40) & 1023],
                    t[(v >> 30) & 1023],
                    t[(v >> 20) & 1023],
                    t[(v >> 10) & 1023],
                    t[v & 1023],
                )
            )
        )
    return out


def _check_fast_ids() -> None:
    """The fast generator must agree bit for bit with the real one for the same random bits."""
    rand = secrets.randbits(74)
    original = secrets.randbits
    secrets.randbits = lambda k: rand
    try:
        expected = new_id("usr", 1_763_700_000_000)
    finally:
        secrets.randbits = original
    raw_bytes = rand.to_bytes(10, "big")
    saved = os.urandom
    os.urandom = lambda _n: raw_bytes
    try:
        got = fast_ids("usr", 1_763_700_000_000, 1)[0]
    finally:
        os.urandom = saved
    if got != expected or not ID_PATTERN.fullmatch(got):
        raise SystemExit(f"fast_ids disagrees with new_id: {got} != {expected}")


# ---------------------------------------------------------------- the deployment


@dataclass
class Dataset:
    """What has been loaded so far. User ``n`` is ``user{n}@org{n // users_per_org}.example.com``."""

    realm_id: str
    plane: DataPlane
    plane_id: str
    connection_id: str
    users_per_org: int
    org_ids: list[str] = field(default_factory=list)
    user_ids: list[str] = field(default_factory=list)
    memberships: int = 0

    @property
    def orgs(self) -> int:
        return len(self.org_ids)


def conninfo(url: str, database: str) -> str:
    return make_conninfo(url, dbname=database)


def _copy(conn: psycopg.Connection[Any], statement: str, rows: Iterator[str]) -> int:
    """Stream text-format COPY data in chunks; the values here never need escaping."""
    count = 0
    with conn.cursor() as cur, cur.copy(statement) as copy:
        chunk: list[str] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                copy.write("".join(chunk))
                count += len(chunk)
                chunk = []
        if chunk:
            copy.write("".join(chunk))
            count += len(chunk)
    return count


def load_range(url: str, control_db: str, plane_db: str, data: Dataset, first_org: int, last_org: int) -> None:
    """Load organizations ``first_org..last_org-1`` with their verified domains, users and memberships."""
    now = datetime.now(UTC)
    stamp = now.isoformat()
    now_ms = epoch_ms(now)
    count = last_org - first_org
    upo = data.users_per_org
    org_ids = fast_ids("org", now_ms, count)
    domain_ids = fast_ids("dom", now_ms, count)
    user_ids = fast_ids("usr", now_ms, count * upo)
    realm, plane_id, con = data.realm_id, data.plane_id, data.connection_id

    def organizations() -> Iterator[str]:
        for i, org_id in enumerate(org_ids):
            k = first_org + i
            yield f"{org_id}\t{realm}\torg{k}\tOrganization {k}\tf\t{plane_id}\t{{}}\t{{}}\t{{}}\t{stamp}\n"

    def domains() -> Iterator[str]:
        for i, (dom_id, org_id) in enumerate(zip(domain_ids, org_ids, strict=True)):
            k = first_org + i
            token = secrets.token_hex(16)
            yield (
                f"{dom_id}\t{realm}\t{org_id}\torg{k}.example.com\t{token}\tverified\tdns_txt\tf"
                f"\t{stamp}\t{stamp}\t{stamp}\n"
            )

    def users() -> Iterator[str]:
        for j, user_id in enumerate(user_ids):
            n = first_org * upo + j
            k = first_org + j // upo
            yield (
                f"{user_id}\t{realm}\t{con}\tuser{n}@org{k}.example.com\tt\tUser {n}\tUser\t{n}\tf"
                f"\t{{}}\t{{}}\t{stamp}\t{stamp}\n"
            )

    def memberships() -> Iterator[str]:
        for j, user_id in enumerate(user_ids):
            i = j // upo
            yield f"{realm}\t{org_ids[i]}\t{user_id}\t[]\tadmin\t{stamp}\n"
            if (first_org * upo + j) % EXTRA_MEMBERSHIP_EVERY == 0 and count > EXTRA_MEMBERSHIPS:
                for step in range(1, EXTRA_MEMBERSHIPS + 1):
                    other = org_ids[(i + step) % count]
                    yield f'{realm}\t{other}\t{user_id}\t["member"]\tadmin\t{stamp}\n'

    with psycopg.connect(conninfo(url, control_db)) as conn:
        conn.execute("SET synchronous_commit = off")
        _copy(
            conn,
            "COPY organizations (id, realm_id, name, display_name, isolated, data_plane_id, metadata, policy,"
            " branding, created_at) FROM STDIN",
            organizations(),
        )
        _copy(
            conn,
            "COPY domain_claims (id, realm_id, organization_id, domain, token, status, method, auto_join,"
            " verified_at, checked_at, created_at) FROM STDIN",
            domains(),
        )
    # The superuser owns the tables and is not subject to row-level security: fine for a bulk load.
    with psycopg.connect(conninfo(url, plane_db)) as conn:
        conn.execute("SET synchronous_commit = off")
        _copy(
            conn,
            "COPY users (id, realm_id, connection_id, email, email_verified, name, given_name, family_name,"
            " blocked, app_metadata, user_metadata, created_at, updated_at) FROM STDIN",
            users(),
        )
        data.memberships += _copy(
            conn,
            "COPY memberships (realm_id, organization_id, user_id, roles, source, created_at) FROM STDIN",
            memberships(),
        )
    data.org_ids.extend(org_ids)
    data.user_ids.extend(user_ids)


def settle(url: str, *databases: str) -> int:
    """VACUUM (ANALYZE) and CHECKPOINT, so both sizes are measured alike.

    VACUUM sets hint bits and the visibility map and refreshes the statistics; the checkpoint writes
    the freshly loaded pages out now rather than in the middle of the measurement. Returns the
    databases' total size in bytes.
    """
    size = 0
    for database in databases:
        with psycopg.connect(conninfo(url, database), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            size += int(row[0]) if row else 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    return size


def describe_server(url: str) -> str:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        buffers = conn.execute("SHOW shared_buffers").fetchone()
    return f"PostgreSQL {version[0] if version else '?'}, shared_buffers {buffers[0] if buffers else '?'}"


def drop_databases(url: str, *databases: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for database in databases:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# ---------------------------------------------------------------- timing


@dataclass
class Timing:
    lookup: list[int]
    """Nanoseconds of the repository call alone."""
    transaction: list[int]
    """Nanoseconds of the whole unit of work: begin (+ SET LOCAL ROLE on a plane), the call, commit."""


def percentile(values: list[int], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index] / 1000


class Lookups:
    """The four lookups (and the baseline), each as one unit of work through the real repositories."""

    def __init__(self, runtime: Runtime, data: Dataset):
        self.runtime = runtime
        self.data = data

    def keys(self, rng: random.Random, count: int) -> dict[str, list[Any]]:
        """Keys drawn uniformly over everything loaded so far."""
        data, upo = self.data, self.data.users_per_org
        users = [rng.randrange(len(data.user_ids)) for _ in range(count)]
        orgs = [rng.randrange(data.orgs) for _ in range(count)]
        return {
            "membership check": [(data.org_ids[n // upo], data.user_ids[n]) for n in users],
            "organization by name": [f"org{k}" for k in orgs],
            "user by email": [f"user{n}@org{n // upo}.example.com" for n in users],
            "HRD domain lookup": [f"org{k}.example.com" for k in orgs],
            BASELINE: [None] * count,
        }

    def call(self, name: str) -> Callable[[Any], Awaitable[tuple[int, int]]]:
        control, planes = self.runtime.ports.control, self.runtime.ports.planes
        realm_id, plane = self.data.realm_id, self.data.plane
        clock = time.perf_counter_ns

        async def membership(key: tuple[str, str]) -> tuple[int, int]:
            start = clock()
            async with planes.transaction(plane, realm_id) as data:
                t0 = clock()
                found = await data.memberships.get(*key)
                t1 = clock()
            assert found is not None, key
            return t1 - t0, clock() - start

        async def baseline(_key: None) -> tuple[int, int]:
            start = clock()
            async with self.runtime.engines.plane_transaction(plane, realm_id) as conn:
                t0 = clock()
                (await conn.execute(SELECT_ONE)).scalar_one()
                t1 = clock()
            return t1 - t0, clock() - start

        async def organization(key: str) -> tuple[int, int]:
            start = clock()
            async with control.transaction() as tx:
                t0 = clock()
                found = await tx.organizations(realm_id).by_name(key)
                t1 = clock()
            assert found is not None, key
            return t1 - t0, clock() - start

        async def user(key: str) -> tuple[int, int]:
            start = clock()
            async with planes.transaction(plane, realm_id) as data:
                t0 = clock()
                found = await data.users.with_email(key)
                t1 = clock()
            assert len(found) == 1, key
            return t1 - t0, clock() - start

        async def domain(key: str) -> tuple[int, int]:
            start = clock()
            async with control.transaction() as tx:
                t0 = clock()
                found = await tx.domains(realm_id).verified(key)
                t1 = clock()
            assert found is not None, key
            return t1 - t0, clock() - start

        calls: dict[str, Callable[[Any], Awaitable[tuple[int, int]]]] = {
            "membership check": membership,
            "organization by name": organization,
            "user by email": user,
            "HRD domain lookup": domain,
            BASELINE: baseline,
        }
        return calls[name]

    async def measure(self, samples: int, warmup: int, seed: int) -> dict[str, Timing]:
        """Round-robin over the lookups and the baseline, so that a noisy moment hits them all alike."""
        rng = random.Random(seed)
        keys = self.keys(rng, warmup + samples)
        names = (*LOOKUPS, BASELINE)
        calls = {name: self.call(name) for name in names}
        results = {name: Timing([], []) for name in names}
        gc.collect()
        gc.freeze()  # the benchmark's own million-key lists are not the server's garbage to scan
        try:
            for i in range(warmup + samples):
                for name in names:
                    lookup, whole = await calls[name](keys[name][i])
                    if i >= warmup:
                        results[name].lookup.append(lookup)
                        results[name].transaction.append(whole)
        finally:
            gc.unfreeze()
        return results

    async def statement(self, name: str, key: Any) -> tuple[str, dict[str, Any]]:
        """The SELECT the repository sends for ``key``, captured from the driver as it runs."""
        captured: list[tuple[str, dict[str, Any]]] = []

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
            words = statement.upper().split()
            if words and words[0] == "SELECT" and "FROM" in words:
                captured.append((statement, dict(parameters)))

        engines: list[AsyncEngine] = [self.runtime.engines.control, self.runtime.engines.plane_engine(self.data.plane)]
        for engine in engines:
            event.listen(engine.sync_engine, "before_cursor_execute", capture)
        try:
            await self.call(name)(key)
        finally:
            for engine in engines:
                event.remove(engine.sync_engine, "before_cursor_execute", capture)
        return captured[-1]

    async def _explain(self, name: str, statements: list[tuple[str, dict[str, Any]]]) -> list[Any]:
        """EXPLAIN each statement in the lookup's own kind of transaction (plane: application role, RLS)."""
        storage = self.runtime.engines
        plans = []
        if name in PLANE_LOOKUPS:
            async with storage.plane_transaction(self.data.plane, self.data.realm_id) as conn:
                for statement, parameters in statements:
                    plans.append((await conn.exec_driver_sql(statement, parameters)).scalar_one()[0])
        else:
            async with storage.control.begin() as conn:
                for statement, parameters in statements:
                    plans.append((await conn.exec_driver_sql(statement, parameters)).scalar_one()[0])
        return plans

    async def explain(self, server_samples: int, seed: int) -> tuple[dict[str, str], dict[str, list[int]]]:
        """Each lookup's plan, and its server-side execution time over fresh random keys.

        The SQL is captured from one real call; for the other keys the key's values are swapped into
        the captured parameters, so EXPLAIN ANALYZE runs exactly the repository's statement.
        """
        rng = random.Random(seed)
        keys = self.keys(rng, server_samples + 1)
        plans, times = {}, {}
        for name in LOOKUPS:
            first = keys[name][0]
            statement, parameters = await self.statement(name, first)
            plans[name] = describe_plan(
                (await self._explain(name, [(f"EXPLAIN (FORMAT JSON) {statement}", parameters)]))[0]["Plan"]
            )
            originals = first if isinstance(first, tuple) else (first,)
            slots = [next(k for k, v in parameters.items() if v == value) for value in originals]
            batch = []
            for key in keys[name][1:]:
                values = key if isinstance(key, tuple) else (key,)
                batch.append(
                    (
                        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}",
                        parameters | dict(zip(slots, values, strict=True)),
                    )
                )
            analyzed = await self._explain(name, batch)
            for plan in analyzed:
                assert plan["Plan"]["Actual Rows"] >= 1, name
            times[name] = [round(plan["Execution Time"] * 1_000_000) for plan in analyzed]
            hit = sum(plan["Plan"]["Shared Hit Blocks"] for plan in analyzed)
            read = sum(plan["Plan"]["Shared Read Blocks"] for plan in analyzed)
            plans[name] += (
                f"\n{'':>37}{(hit + read) / len(analyzed):.1f} pages per lookup,"
                f" {read / max(1, hit + read):.0%} of them not in shared_buffers"
            )
        return plans, times


def describe_plan(node: dict[str, Any]) -> str:
    """The top node and the scans under it, e.g. ``Sort <- Index Scan using ix_users_realm_email on users``."""

    def label(item: dict[str, Any]) -> str:
        text = str(item["Node Type"])
        if "Index Name" in item:
            text += f" using {item['Index Name']}"
        if "Relation Name" in item:
            text += f" on {item['Relation Name']}"
        return text

    parts = [label(node)]
    stack = list(node.get("Plans", []))
    while stack:
        child = stack.pop(0)
        parts.append(label(child))
        stack.extend(child.get("Plans", []))
    text = " <- ".join(parts)
    return text + ("   ** SEQUENTIAL SCAN **" if "Seq Scan" in text else "")


# ---------------------------------------------------------------- report


@dataclass
class Phase:
    orgs: int
    users: int
    memberships: int
    load_seconds: float
    size_bytes: int
    plans: dict[str, str]
    server: dict[str, list[int]]
    timing: dict[str, Timing]
    load_average: float
    """The machine's 1-minute load average right after the timed lookups (others share the machine)."""


def _table(
    title: str, phases: tuple[Phase, Phase], values: Callable[[Phase, str], list[int]], max_ratio: float
) -> tuple[float, float | None]:
    """p50/p99 at both sizes and their ratios; returns the worst p50 ratio, raw and drift-corrected.

    When the baseline was measured, the last column divides each p50 ratio by the baseline's: the
    part of the change that the machine's own drift between the two measurements does not explain.
    """
    small, large = phases
    rows = {}
    for name in (*LOOKUPS, BASELINE):
        a, b = values(small, name), values(large, name)
        if a and b:
            rows[name] = (percentile(a, 50), percentile(a, 99), percentile(b, 50), percentile(b, 99))
    drift = rows[BASELINE][2] / rows[BASELINE][0] if BASELINE in rows else None
    print()
    print(title)
    extra = f"{'p50 ratio':>12}" if drift else ""
    print(f"{'':<22}{f'{small.orgs:,} orgs':>17}{f'{large.orgs:,} orgs':>20}{'ratio large/small':>20}{extra}")
    extra = f"{'÷ baseline':>12}" if drift else ""
    print(f"{'lookup':<22}{'p50':>8}{'p99':>9}{'p50':>11}{'p99':>9}{'p50':>11}{'p99':>9}{extra}")
    worst_raw, worst_corrected = 0.0, 0.0
    for name, (a50, a99, b50, b99) in rows.items():
        r50, r99 = b50 / a50, b99 / a99
        row = f"{name:<22}{a50:>8.0f}{a99:>9.0f}{b50:>11.0f}{b99:>9.0f}{r50:>11.2f}{r99:>9.2f}"
        if name == BASELINE:
            print(row)
            continue
        corrected = r50 / drift if drift else r50
        worst_raw, worst_corrected = max(worst_raw, r50), max(worst_corrected, corrected)
        if drift:
            row += f"{corrected:>12.2f}"
        if corrected > max_ratio:
            row += f"  <- over {max_ratio}"
        elif r50 > max_ratio:
            row += f"  (raw over {max_ratio}: the baseline moved too)"
        print(row)
    return worst_raw, (worst_corrected if drift else None)


def report(phases: tuple[Phase, Phase], max_ratio: float, samples: int, server_samples: int, server: str) -> bool:
    """Print the tables and the verdict on the repository calls' p50 ratios large/small."""
    small, large = phases
    print()
    print(server)
    for label, phase in (("loaded", small), ("grown to", large)):
        print(
            f"{label} {phase.orgs:,} organizations (one verified domain each), {phase.users:,} users,"
            f" {phase.memberships:,} memberships in {phase.load_seconds:.1f} s (COPY, VACUUM ANALYZE, CHECKPOINT)"
        )
        print(
            f"  databases {phase.size_bytes / 2**20:,.0f} MiB; load average after measuring"
            f" {phase.load_average:.1f} on {os.cpu_count()} CPUs"
        )
    print(f"times in microseconds; keys uniform over everything loaded; {samples:,} sequential lookups per cell,")
    print("round-robin over the four lookups and the baseline")
    raw, corrected = _table(
        "repository call: the SELECT through SQLAlchemy + psycopg (data plane: application role under RLS)",
        phases,
        lambda phase, name: phase.timing[name].lookup,
        max_ratio,
    )
    _table(
        "whole unit of work: begin (+ SET LOCAL ROLE and realm on a data plane), the call, commit",
        phases,
        lambda phase, name: phase.timing[name].transaction,
        max_ratio,
    )
    _table(
        f"server-side execution only (EXPLAIN ANALYZE 'Execution Time', {server_samples:,} other random keys)",
        phases,
        lambda phase, name: phase.server.get(name, []),
        max_ratio,
    )
    print()
    print("EXPLAIN (top node <- the nodes under it; pages touched per lookup, from EXPLAIN ANALYZE BUFFERS)")
    for name in LOOKUPS:
        for phase in phases:
            print(f"  {name:<22}{f'{phase.orgs:,} orgs':>13}: {phase.plans[name]}")
    print()
    rule = f"p50 of each repository call within {max_ratio}x from {small.orgs:,} to {large.orgs:,} organizations"
    if raw <= max_ratio:
        print(f"verdict: ok ({rule}; worst {raw:.2f})")
        return True
    if corrected is not None and corrected <= max_ratio:
        print(
            f"verdict: ok after correcting for machine drift ({rule} once divided by the baseline's own ratio;"
            f" worst {corrected:.2f}, raw {raw:.2f})"
        )
        return True
    print(f"verdict: FAILED ({rule}; worst {raw:.2f} raw, {corrected or raw:.2f} after the baseline correction)")
    return False


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orgs-small", type=int, default=None, help="organizations in the first measurement (1000)")
    parser.add_argument("--orgs-large", type=int, default=None, help="organizations in the second one (100000)")
    parser.add_argument("--users-per-org", type=int, default=10, help="users (one membership each) per organization")
    parser.add_argument("--samples", type=int, default=None, help="timed lookups per query and size (2000)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed lookups per query and size first (300)")
    parser.add_argument(
        "--server-samples", type=int, default=None, help="EXPLAIN ANALYZE runs per query and size (500)"
    )
    parser.add_argument("--postgres-url", default=os.environ.get("TENANTRY_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 then 20,000 organizations, 500 samples")
    parser.add_argument("--max-ratio", type=float, default=1.2, help="largest acceptable p50 ratio large/small")
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args(argv)
    for name, full, quick in (("samples", 2000, 500), ("warmup", 300, 100), ("server_samples", 500, 100)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.orgs_small is None:
        args.orgs_small = 200 if args.quick else 1_000
    if args.orgs_large is None:
        args.orgs_large = 20_000 if args.quick else 100_000
    if not 0 < args.orgs_small < args.orgs_large:
        parser.error("need 0 < --orgs-small < --orgs-large")
    if args.samples < 100 or args.server_samples < 1 or args.users_per_org < 1:
        parser.error("need --samples >= 100, --server-samples >= 1 and --users-per-org >= 1")
    return args


async def run(args: argparse.Namespace) -> bool:
    _check_fast_ids()
    url = args.postgres_url
    control_db = f"bench_{secrets.token_hex(4)}"
    plane_db = f"{control_db}_plane_shared"
    parsed = make_url(url)
    database_url = parsed.set(database=control_db).render_as_string(hide_password=False)
    print(f"PostgreSQL at {parsed.host}:{parsed.port or 5432}; throwaway databases {control_db}, {plane_db}")
    with tempfile.TemporaryDirectory(prefix="tenantry-bench-") as tmp:
        runtime = Runtime(
            Settings(database_url=database_url, data_dir=Path(tmp), domain_recheck_seconds=0, hash_workers=1)
        )
        try:
            await runtime.migrate()
            actor = system_actor("bench")
            realm = await runtime.services.realms.create(actor, name="bench")
            connection = await runtime.services.connections.create(actor, realm.id, name="members")
            async with runtime.ports.control.transaction() as tx:
                plane = await tx.planes.get(realm.home_plane_id)
            assert plane is not None and plane.database == plane_db, plane
            data = Dataset(realm.id, plane, plane.id, connection.id, args.users_per_org)
            lookups = Lookups(runtime, data)

            phases = []
            previous = 0
            for target in (args.orgs_small, args.orgs_large):
                print(f"loading organizations {previous:,}..{target - 1:,} and their users ...", flush=True)
                started = time.perf_counter()
                await asyncio.to_thread(load_range, url, control_db, plane_db, data, previous, target)
                size = await asyncio.to_thread(settle, url, control_db, plane_db)
                load_seconds = time.perf_counter() - started
                previous = target
                print(
                    f"  {data.orgs:,} organizations, {len(data.user_ids):,} users, {data.memberships:,} memberships"
                    f" in {load_seconds:.1f} s; measuring ...",
                    flush=True,
                )
                timing = await lookups.measure(args.samples, args.warmup, args.seed + target)
                load_average = os.getloadavg()[0]
                plans, server = await lookups.explain(args.server_samples, args.seed - target)
                phases.append(
                    Phase(
                        data.orgs,
                        len(data.user_ids),
                        data.memberships,
                        load_seconds,
                        size,
                        plans,
                        server,
                        timing,
                        load_average,
                    )
                )
            return report(
                (phases[0], phases[1]), args.max_ratio, args.samples, args.server_samples, describe_server(url)
            )
        finally:
            await runtime.close()
            if args.keep:
                print(f"kept databases {control_db} and {plane_db}")
            else:
                with suppress(psycopg.Error):
                    drop_databases(url, plane_db, control_db)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    ok = asyncio.run(run(args))
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
