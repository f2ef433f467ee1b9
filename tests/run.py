"""`make test`: run the whole suite, say plainly what could not run here, and fail on "no tests".

With CI=true nothing may be skipped (conftest turns a skip into a failure); elsewhere, tests that
need PostgreSQL, Redis or Chromium are skipped with the reason printed at the end.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.support.environment import chromium_problem, node_problem, postgres_problem, redis_problem


def parallel() -> list[str]:
    """One pytest-xdist worker per core (at most four): most of a test's time is spent waiting on
    PostgreSQL, a server or the browser. A module's tests stay on one worker, so its fixtures are
    built once. TENANTRY_TEST_WORKERS overrides the count; 0 runs everything in this process."""
    workers = int(os.environ.get("TENANTRY_TEST_WORKERS", min(os.cpu_count() or 1, 4)))
    return ["-n", str(workers), "--dist", "loadfile"] if workers > 0 else []


def main() -> int:
    problem = postgres_problem()
    if problem:
        print(f"PostgreSQL: {problem}; tests marked 'postgres' will not run here.", flush=True)
    node = node_problem()
    if node:
        print(f"Node.js: {node}; tests marked 'interop' will not run here.", flush=True)
    redis = redis_problem()
    if redis:
        print(f"Redis: {redis}; tests marked 'redis' will not run here.", flush=True)
    chromium = chromium_problem()
    if chromium:
        print(f"Chromium {chromium}; tests marked 'browser' will not run here.", flush=True)
    args = sys.argv[1:] or ["tests", "-q", "-p", "no:cacheprovider", *parallel()]
    code = pytest.main(args)
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("No tests ran: that is a failure.", flush=True)
        return 1
    if problem and os.environ.get("CI", "").lower() == "true":
        print("CI=true but PostgreSQL is not reachable: failing.", flush=True)
        return 1
    if redis and os.environ.get("CI", "").lower() == "true":
        print("CI=true but Redis is not reachable: failing.", flush=True)
        return 1
    if chromium and os.environ.get("CI", "").lower() == "true":
        print("CI=true but Chromium cannot be driven: failing.", flush=True)
        return 1
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
