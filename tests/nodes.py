"""Several real Tenantry server processes on one PostgreSQL and one Redis, as nodes behind a load balancer.

``cluster()`` creates fresh PostgreSQL databases and a Redis key prefix of its own, runs
``tenantry migrate``, starts ``tenantry serve`` once per node (each on a free port with its own
data directory and log file) and meanwhile mints an operator token through the CLI. Every node
gets the same ``TENANTRY_*`` settings: control-plane URL, Redis URL, master key and base URL, so
they are one deployment with one issuer per realm (a realm is found by host name and path, the
port does not count, so every node on 127.0.0.1 serves the issuer's paths). On exit the processes
are stopped, the databases dropped and the Redis keys deleted.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy.engine import make_url

from tests.support.databases import FAST_HASHING, _drop_databases
from tests.support.environment import POSTGRES_URL, REDIS_URL

BIN = Path(sys.executable).parent
START_SECONDS = 60
STOP_SECONDS = 15
CLI_SECONDS = 180


@dataclass
class Node:
    """One server process: its own port, data directory and log."""

    name: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.data_dir / "server.log"

    def log_text(self, lines: int = 200) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


@dataclass
class Cluster:
    """The nodes of one deployment and what the tests need to talk to them."""

    base_url: str
    """``TENANTRY_BASE_URL`` of every node: realm issuers are ``{base_url}/realms/{realm}``."""
    env: dict[str, str]
    """The settings every node shares (for CLI commands against the same deployment)."""
    operator_token: str = ""
    nodes: list[Node] = field(default_factory=list)

    def log_sections(self) -> list[tuple[str, str]]:
        """(title, the end of the log) per node, for a failing test's report."""
        return [(f"{node.name} log ({node.url})", node.log_text()) for node in self.nodes]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _shared_env(base_url: str, database_url: str, redis_prefix: str) -> dict[str, str]:
    """The caller's environment without its TENANTRY_* settings, plus this deployment's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_") or k.startswith("TENANTRY_TEST_")}
    env.update(
        TENANTRY_BASE_URL=base_url,
        TENANTRY_DATABASE_URL=database_url,
        TENANTRY_REDIS_URL=REDIS_URL,
        TENANTRY_REDIS_PREFIX=redis_prefix,
        TENANTRY_MASTER_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        TENANTRY_LOG_LEVEL="info",
        PYTHONUNBUFFERED="1",  # the log is a file: every line should be there when a test fails
        TENANTRY_DOMAIN_RECHECK_SECONDS="0",
        **{f"TENANTRY_{name.upper()}": str(value) for name, value in FAST_HASHING.items()},
    )
    return env


def tenantry(env: dict[str, str], *args: str) -> str:
    """One CLI command against the deployment; its stdout (a failure fails the test with the output)."""
    result = subprocess.run(
        [str(BIN / "tenantry"), *args], env=env, capture_output=True, text=True, timeout=CLI_SECONDS, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"`tenantry {' '.join(args)}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _start(node: Node, env: dict[str, str]) -> None:
    node.data_dir.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "tenantry"), "serve", "--host", "127.0.0.1", "--port", str(node.port)]
    with node.log.open("ab") as log:
        node.process = subprocess.Popen(
            command, env={**env, "TENANTRY_DATA_DIR": str(node.data_dir)}, stdout=log, stderr=subprocess.STDOUT
        )


def _wait_ready(node: Node) -> None:
    """``/readyz`` answers 200: the process serves and reaches its migrated control plane."""
    assert node.process is not None
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            pytest.fail(f"{node.name} exited with {node.process.returncode}:\n{node.log_text()}")
        try:
            if httpx.get(f"{node.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{node.name} was not ready within {START_SECONDS} s:\n{node.log_text()}")


def _stop(node: Node) -> None:
    process = node.process
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)


def _forget_redis(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextmanager
def cluster(data_dir: Path, count: int = 2) -> Iterator[Cluster]:
    """A migrated deployment served by ``count`` processes; everything it made is removed on exit."""
    token = secrets.token_hex(5)
    database = f"tn_{token}"
    redis_prefix = f"tenantry-test-{token}:"
    database_url = make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)
    # The address of a load balancer in front of the nodes: one issuer, whichever node answers.
    base_url = f"http://127.0.0.1:{free_port()}"
    running = Cluster(base_url, _shared_env(base_url, database_url, redis_prefix))
    running.nodes = [Node(f"node {n}", free_port(), data_dir / f"node-{n}") for n in range(1, count + 1)]
    cli_env = {**running.env, "TENANTRY_DATA_DIR": str(data_dir)}
    try:
        tenantry(cli_env, "migrate")
        for node in running.nodes:
            _start(node, running.env)
        minted = tenantry(cli_env, "operator", "token", "create", "--name", "nodes", "--json")  # while they start
        running.operator_token = json.loads(minted)["secret"]
        for node in running.nodes:
            _wait_ready(node)
        yield running
    finally:
        for node in running.nodes:
            _stop(node)
        _drop_databases(database)
        _forget_redis(redis_prefix)
