"""What this machine offers the tests: PostgreSQL and Redis servers, and whether skipping is allowed."""

from __future__ import annotations

import os
from functools import cache

POSTGRES_URL = os.environ.get("TENANTRY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TENANTRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


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


@cache
def redis_problem() -> str | None:
    """None when Redis answers at REDIS_URL; otherwise why not."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # any failure means "not available here"
        return f"not reachable at {REDIS_URL} ({type(exc).__name__})"
    return None
