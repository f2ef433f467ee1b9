"""What this machine offers the tests: a PostgreSQL server, and whether skipping is allowed."""

from __future__ import annotations

import os
from functools import cache

POSTGRES_URL = os.environ.get("TENANTRY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@cache
def postgres_problem() -> str | None:
    """None when PostgreSQL answers at POSTGRES_URL; otherwise why not."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means "not available here"
        return f"not reachable at {POSTGRES_URL} ({type(exc).__name__})"
    return None
