"""What this machine offers the tests: PostgreSQL, Redis, Node.js, Chromium; and whether skipping is allowed."""

from __future__ import annotations

import os
import shutil
import subprocess
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


NODE_MAJOR = 20
"""openid-client v6 (the interop relying party) needs Node.js 20 or later."""


@cache
def node_problem() -> str | None:
    """None when Node.js >= 20 and npm are on PATH; otherwise why not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return f"not usable: {' and '.join(n for n, p in (('node', node), ('npm', npm)) if p is None)} not on PATH"
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
        major = int(version.strip().lstrip("v").split(".")[0])
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return f"not usable: `node --version` failed ({type(exc).__name__})"
    if major < NODE_MAJOR:
        return f"too old: {version.strip()} (need {NODE_MAJOR} or later)"
    return None


@cache
def chromium_problem() -> str | None:
    """None when Playwright can drive the system Chromium (Debian's package); otherwise why not."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "cannot be driven: the Python package playwright is not installed (make test installs it)"
    executable = shutil.which("chromium")
    if executable is None:
        return "is not installed (Debian: apt-get install chromium; make test does it as root)"
    try:
        subprocess.run([executable, "--version"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"does not start at {executable} ({type(exc).__name__})"
    return None
