"""Shared pieces of the server benchmarks: wrk runs, CPU accounting, servers, throwaway deployments.

``client_credentials.py``, ``password_login.py`` and ``refresh_rotation.py`` each start Tenantry as ONE
uvicorn worker pinned to one core (``taskset``) on a throwaway PostgreSQL deployment, drive it from
another core, and report answers per second with the server's and the database's CPU use. What they
share lives here; each benchmark keeps its own load, checks and verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
from sqlalchemy.engine import make_url

from tenantry.bootstrap import Runtime
from tenantry.config import Settings
from tenantry.core.realm import Realm
from tenantry.services.access import system_actor

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HERE = Path(__file__).resolve().parent
REALM = "bench"
FORM = "application/x-www-form-urlencoded"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the load generator (wrk)


@dataclass
class Run:
    """One measured run against one server: a ``wrk`` run, or a run of a benchmark's own client."""

    label: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    bad: int
    """Answers that were not the expected ones (status and body)."""
    socket_errors: dict[str, int]
    statuses: dict[str, int] = field(default_factory=dict)
    sample: str = ""
    server_cpu_s: float = 0.0
    database_cpu_s: float | None = None
    core_busy: dict[int, float] = field(default_factory=dict)
    """Share of each core that was busy (anything on it) during the run, 0..1."""
    transactions: int | None = None
    """Committed plus rolled back PostgreSQL transactions in the deployment's databases."""
    sessions: int | None = None
    """PostgreSQL sessions (connections) opened during the run."""
    transactions_by_database: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.bad + sum(self.socket_errors.values())


def run_wrk(
    base_url: str, script: Path, seconds: float, connections: int, cpu: int, label: str
) -> tuple[Run, list[str]]:
    """``wrk`` with one thread pinned to ``cpu``; returns the parsed run and wrk's own output."""
    command = [
        "taskset",
        "-c",
        str(cpu),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base_url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    lines = done.stdout.splitlines()
    result = next((line.split()[1:] for line in lines if line.startswith("WRK-RESULT ")), None)
    if done.returncode != 0 or result is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    (requests, duration_us, p50, p90, p99, top, connect, read, write, timeout, bad) = (int(v) for v in result)
    run = Run(
        label=label,
        requests=requests,
        seconds=duration_us / 1e6,
        p50_ms=p50 / 1000,
        p90_ms=p90 / 1000,
        p99_ms=p99 / 1000,
        max_ms=top / 1000,
        bad=bad,
        socket_errors={
            name: count
            for name, count in (("connect", connect), ("read", read), ("write", write), ("timeout", timeout))
            if count
        },
    )
    for line in lines:
        if line.startswith("WRK-STATUS "):
            _, status, count = line.split()
            run.statuses[status] = run.statuses.get(status, 0) + int(count)
        elif line.startswith("WRK-SAMPLE ") and not run.sample:
            run.sample = line[len("WRK-SAMPLE ") :]
    return run, lines


# ---------------------------------------------------------------- CPU accounting


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (field 3, the state, is the first)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return handle.read().rsplit(")", 1)[1].split()


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and all its threads so far."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_cpu(pid: int) -> float:
    """User + system CPU seconds of the children a process has reaped (cutime + cstime)."""
    fields = _stat(pid)
    return (int(fields[13]) + int(fields[14])) / CLK_TCK


def cores() -> dict[int, tuple[int, int]]:
    """Per core: (busy ticks, total ticks) from /proc/stat."""
    out = {}
    with open("/proc/stat", encoding="ascii") as handle:
        for line in handle:
            name, *values = line.split()
            if name.startswith("cpu") and name != "cpu":
                ticks = [int(v) for v in values]
                idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
                out[int(name[3:])] = (sum(ticks[:8]) - idle, sum(ticks[:8]))
    return out


@dataclass
class DatabaseSnapshot:
    backends: dict[int, float]
    """CPU seconds so far of each live backend of the deployment's databases."""
    reaped: float
    """CPU seconds of all the backends that have ended so far (the postmaster's reaped children)."""
    transactions: int
    sessions: int
    by_database: dict[str, int] = field(default_factory=dict)
    """Transactions of each database."""


class Database:
    """The deployment's databases as PostgreSQL sees them: backend CPU, transactions, sessions."""

    def __init__(self, url: str, databases: tuple[str, ...]):
        self.url = url
        self.databases = list(databases)

    def backends_on(self, conn: psycopg.Connection[Any]) -> list[int]:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
            (self.databases,),
        ).fetchall()
        return [row[0] for row in rows]

    def snapshot(self) -> DatabaseSnapshot:
        with psycopg.connect(self.url, autocommit=True) as conn:
            pids = self.backends_on(conn)
            rows = conn.execute(
                "SELECT datname, xact_commit + xact_rollback, sessions FROM pg_stat_database WHERE datname = ANY(%s)",
                (self.databases,),
            ).fetchall()
            postmaster = int(_stat(conn.info.backend_pid)[1])
            backends = {}
            for pid in pids:
                with suppress(OSError):
                    backends[pid] = process_cpu(pid)
            reaped = children_cpu(postmaster)
        by_database = {str(row[0]): int(row[1]) for row in rows}
        sessions = sum(int(row[2]) for row in rows)
        return DatabaseSnapshot(backends, reaped, sum(by_database.values()), sessions, by_database)

    @staticmethod
    def cpu_between(before: DatabaseSnapshot, after: DatabaseSnapshot) -> float:
        """CPU seconds the deployment's backends used in between, including the ones that ended.

        Backends that ended are known only through the postmaster's reaped children, which also
        holds any other database's connections that ended meanwhile (on a quiet machine: few).
        """
        live = sum(cpu - before.backends.get(pid, 0.0) for pid, cpu in after.backends.items())
        gone = sum(cpu for pid, cpu in before.backends.items() if pid not in after.backends)
        return live + (after.reaped - before.reaped) - gone


class BackendPinner:
    """Keeps the PostgreSQL backends of the deployment's databases off the server's core.

    PostgreSQL is not pinned (it is the machine's shared server), and the kernel likes to wake a
    backend on the core of the process that woke it: the server's. Moving the deployment's own
    backends (and any the pool opens during a run) to another core keeps the server's core its own,
    so "per core" means the server alone. Other databases' backends are left alone.
    """

    def __init__(self, database: Database, cpu: int, every: float = 0.25):
        self.database = database
        self.cpu = cpu
        self.every = every
        self.pinned: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pin-backends", daemon=True)

    def pin(self, conn: psycopg.Connection[Any]) -> None:
        for pid in self.database.backends_on(conn):
            if pid not in self.pinned:
                with suppress(OSError):
                    os.sched_setaffinity(pid, {self.cpu})
                    self.pinned.add(pid)

    def _loop(self) -> None:
        with psycopg.connect(self.database.url, autocommit=True) as conn:
            os.sched_setaffinity(conn.info.backend_pid, {self.cpu})
            while not self._stop.wait(self.every):
                self.pin(conn)

    def __enter__(self) -> BackendPinner:
        with psycopg.connect(self.database.url, autocommit=True) as conn:
            self.pin(conn)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Accounting:
    """The server's and the database backends' CPU and the cores' busy share over one run."""

    def __init__(self, server_pid: int, database: Database | None):
        self.server_pid = server_pid
        self.database = database
        self.server = process_cpu(server_pid)
        self.db = database.snapshot() if database else None
        self.cores = cores()

    def finish(self, run: Run) -> None:
        cores_after = cores()
        run.server_cpu_s = process_cpu(self.server_pid) - self.server
        run.core_busy = {
            core: (cores_after[core][0] - busy) / max(1, cores_after[core][1] - total)
            for core, (busy, total) in self.cores.items()
            if core in cores_after
        }
        if self.database is not None and self.db is not None:
            after = self.database.snapshot()
            run.database_cpu_s = Database.cpu_between(self.db, after)
            run.transactions = after.transactions - self.db.transactions
            run.sessions = after.sessions - self.db.sessions
            run.transactions_by_database = {
                name: count - self.db.by_database.get(name, 0) for name, count in after.by_database.items()
            }


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_tail(self, lines: int = 20) -> str:
        with suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def start(name: str, command: list[str], env: dict[str, str], cwd: Path, log: Path, base_url: str) -> Server:
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    return Server(name, process, base_url, log)


def wait_ready(server: Server, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited ({server.process.returncode}):\n{server.log_tail()}")
        with suppress(httpx.HTTPError):
            if httpx.get(server.base_url + path, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"{server.name} did not answer {path} within {timeout:.0f} s:\n{server.log_tail()}")


def basic(client_id: str, secret: str) -> str:
    """RFC 6749 2.3.1: each part form-encoded, then Basic."""
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    def part(text: str) -> dict[str, Any]:
        return dict(json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))))

    header, claims, _ = token.split(".")
    return part(header), part(claims)


def versions(url: str, *extra: str) -> str:
    """Python, uvicorn, ``extra`` (peers), wrk, PostgreSQL and the source tree the server runs from."""
    parts = [f"Python {platform.python_version()}"]
    with suppress(Exception):
        import uvicorn

        parts.append(f"uvicorn {uvicorn.__version__}")
    parts.extend(extra)
    with suppress(OSError):
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        parts.append((wrk.stdout or wrk.stderr).split(" [", 1)[0].strip())
    with suppress(psycopg.Error), psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        parts.append(f"PostgreSQL {row[0] if row else '?'}")
    parts.append(source_tree())
    return ", ".join(parts)


def source_tree() -> str:
    """The commit the server's code is at, and whether ``src/`` differs from it (the figures are for the tree)."""
    with suppress(OSError):
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent, capture_output=True, text=True, check=False
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=HERE.parent, capture_output=True, text=True, check=False
        ).stdout.strip()
        if head:
            return f"source {head}" + (" with uncommitted changes in src/" if changed else "")
    return "source unknown"


# ---------------------------------------------------------------- the deployment


@dataclass
class Databases:
    """A throwaway deployment's two databases and what a server needs to serve them."""

    control_db: str
    plane_db: str
    database_url: str
    master_key: str


def new_runtime(url: str, prefix: str, data_dir: Path, base_url: str, **settings: Any) -> Runtime:
    """A Runtime on a fresh control database ``{prefix}_<hex>`` (created by ``migrate``), not yet migrated."""
    control_db = f"{prefix}_{secrets.token_hex(4)}"
    database_url = make_url(url).set(database=control_db).render_as_string(hide_password=False)
    master_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    options: dict[str, Any] = {"domain_recheck_seconds": 0, "hash_workers": 1, **settings}
    return Runtime(
        Settings(database_url=database_url, data_dir=data_dir, master_key=master_key, base_url=base_url, **options)
    )


def control_database(runtime: Runtime) -> str:
    return str(make_url(runtime.settings.database_url or "").database)


async def databases_of(runtime: Runtime, realm: Realm) -> Databases:
    async with runtime.ports.control.transaction() as tx:
        plane = await tx.planes.get(realm.home_plane_id)
    assert plane is not None and runtime.settings.master_key is not None
    return Databases(
        control_database(runtime),
        plane.database,
        runtime.settings.database_url or "",
        runtime.settings.master_key.get_secret_value(),
    )


PASSWORD = "bench correct horse battery staple"
"""Every seeded user's password (long enough, not common, not in a breached list)."""


class OneHash:
    """A password hasher that hands out one hash made beforehand, for seeding many users quickly.

    The hash is made once by the deployment's own hasher (its argon2id settings), so every stored
    hash costs a login exactly what a hash made one by one would; verifying is left to the real one.
    """

    def __init__(self, real: Any, password_hash: str):
        self.real = real
        self.password_hash = password_hash

    async def hash(self, password: str) -> str:
        return self.password_hash

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@dataclass
class WebDeployment(Databases):
    """A realm with a database connection of users and a confidential web application (code + refresh)."""

    realm_id: str
    client_id: str
    client_secret: str
    redirect_uri: str
    users: list[tuple[str, str]]
    """(user id, email) of every seeded user; all share ``PASSWORD``."""
    password_hash: str
    """The stored hash of ``PASSWORD``, with the deployment's argon2id settings."""


async def deploy_web(runtime: Runtime, users: int, redirect_uri: str, concurrency: int = 8) -> WebDeployment:
    """Migrate, then realm ``bench``, connection ``members``, application ``bench-web`` and ``users`` users.

    Everything goes through the services as the system actor, the users too (``UserService.create``:
    policy check, user, password credential, identity, audit record); only the argon2id hash is made
    once and reused (``OneHash``).
    """
    await runtime.migrate()
    actor = system_actor("bench")
    realm = await runtime.services.realms.create(actor, name=REALM)
    await runtime.services.connections.create(actor, realm.id, name="members")
    application, secret = await runtime.services.applications.create(
        actor,
        realm.id,
        name="bench-web",
        redirect_uris=[redirect_uri],
        grant_types=["authorization_code", "refresh_token"],
    )
    assert secret is not None
    password_hash = await runtime.hasher.hash(PASSWORD)
    real = runtime.ports.hasher
    runtime.ports.hasher = OneHash(real, password_hash)
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> tuple[str, str]:
        async with gate:
            user = await runtime.services.users.create(
                actor, realm.id, connection="members", email=f"user{index}@example.com", password=PASSWORD
            )
            return user.id, user.email

    try:
        made = await asyncio.gather(*(one(index) for index in range(users)))
    finally:
        runtime.ports.hasher = real
    databases = await databases_of(runtime, realm)
    return WebDeployment(
        **vars(databases),
        realm_id=realm.id,
        client_id=application.client_id,
        client_secret=secret,
        redirect_uri=redirect_uri,
        users=list(made),
        password_hash=password_hash,
    )


def drop_databases(url: str, *databases: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for database in databases:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def drop_deployment(url: str, control_db: str) -> list[str]:
    """Drop a control database and its data planes' databases (``{control_db}_plane_*``), even half-made ones."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR starts_with(datname, %s)",
            (control_db, f"{control_db}_plane_"),
        ).fetchall()
    names = sorted((str(row[0]) for row in rows), key=lambda name: name == control_db)
    drop_databases(url, *names)
    return names


def kept(control_db: str, deployment: WebDeployment | None, port: int) -> str:
    """What ``--keep`` prints: how to serve the kept databases again, and who can sign in."""
    if deployment is None:
        return f"kept whatever was made of {control_db} and its planes (DROP DATABASE ... WITH (FORCE) to remove)"
    return (
        f"kept databases {deployment.control_db} and {deployment.plane_db}; serve them again with"
        f" TENANTRY_DATABASE_URL={deployment.database_url} TENANTRY_MASTER_KEY={deployment.master_key}"
        f" TENANTRY_BASE_URL=http://127.0.0.1:{port}; client {deployment.client_id}:{deployment.client_secret},"
        f" users user0..user{len(deployment.users) - 1}@example.com with password {PASSWORD!r}"
    )


def start_tenantry(
    args: argparse.Namespace, databases: Databases, work: Path, port: int, extra_env: dict[str, str] | None = None
) -> Server:
    """ONE uvicorn worker process (uvloop, httptools, no access log) pinned to ``args.server_cpu``."""
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TENANTRY_DATABASE_URL": databases.database_url,
        "TENANTRY_DATA_DIR": str(work / "data"),
        "TENANTRY_MASTER_KEY": databases.master_key,
        "TENANTRY_BASE_URL": base_url,
        "TENANTRY_DOMAIN_RECHECK_SECONDS": "0",
        "TENANTRY_LOG_LEVEL": args.log_level,
        **(extra_env or {}),
    }
    command = [
        *("taskset", "-c", str(args.server_cpu), sys.executable, "-m", "uvicorn", "tenantry.web.app:create_app"),
        *("--factory", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        *("--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"),
    ]
    return start("Tenantry", command, env, HERE.parent, work / "tenantry.log", base_url)


# ---------------------------------------------------------------- profile (py-spy)


def py_spy() -> str | None:
    """py-spy next to this Python (``.venv/bin/pip install py-spy``), or on the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Profile:
    """``py-spy record`` of the server during the measured run, pinned to the load generator's core.

    py-spy reads the server's memory from outside (``--nonblocking``: it never stops the server), at
    ``rate`` samples per second, and writes collapsed stacks (``-f raw``: one ``frame;frame;... count``
    line per stack) that flamegraph tools read; ``summary`` prints where the samples fell.
    """

    def __init__(self, path: Path, pid: int, seconds: float, cpu: int, rate: int = 100):
        tool = py_spy()
        if tool is None:
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        self.path = path
        command = [
            *("taskset", "-c", str(cpu), tool, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds)))),
            *("--rate", str(rate), "--format", "raw", "--output", str(path), "--nonblocking"),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def wait(self) -> str:
        output, _ = self.process.communicate(timeout=120)
        return output.decode(errors="replace")

    def summary(self, top: int = 15) -> list[str]:
        stacks: list[tuple[list[str], int]] = []
        with suppress(OSError):
            for line in self.path.read_text(errors="replace").splitlines():
                stack, _, number = line.rpartition(" ")
                if stack and number.isdigit():
                    stacks.append((stack.split(";"), int(number)))
        total = sum(count for _, count in stacks)
        if not total:
            return [f"profile: no samples in {self.path}"]
        packages: Counter[str] = Counter()
        leaves: Counter[str] = Counter()
        ours: Counter[str] = Counter()
        for frames, count in stacks:
            packages[_package(frames[-1])] += count
            leaves[frames[-1]] += count
            for function in {_function(frame) for frame in frames}:
                if "(tenantry/" in function:
                    ours[function] += count

        def share(count: int) -> str:
            return f"{count / total:>6.1%}"

        lines = [
            f"profile: {total:,} samples of the server, written to {self.path} (py-spy samples every thread that"
            " is not idle, so with the password hash threads busy a share of samples is not a share of CPU)"
        ]
        lines.append("  where the samples were (package of the innermost frame):")
        lines += [f"    {share(n)}  {name}" for name, n in packages.most_common(10)]
        lines.append("  innermost frames (self time):")
        lines += [f"    {share(n)}  {name}" for name, n in leaves.most_common(top)]
        lines.append("  Tenantry functions (samples anywhere below them; greenlet-side SQLAlchemy stacks are not)")
        lines += [f"    {share(n)}  {name}" for name, n in ours.most_common(top)]
        return lines


def _function(frame: str) -> str:
    """``Connection.execute (sqlalchemy/engine/base.py)``: the frame without its line number."""
    name, _, location = frame.rpartition(" (")
    return f"{name} ({location.split(':')[0].rstrip(')')})" if name else frame


def _package(frame: str) -> str:
    """``sqlalchemy`` for ``Connection.execute (sqlalchemy/engine/base.py:1419)``; the file for the stdlib."""
    location = frame.rsplit(" (", 1)[-1].rstrip(")").split(":")[0]
    return location.split("/")[0] if "/" in location else location or "?"


# ---------------------------------------------------------------- command line


def add_server_arguments(parser: argparse.ArgumentParser, client: str = "wrk") -> None:
    """``--server-cpu``, ``--client-cpu``, ``--db-cpu``, ``--log-level``, ``--postgres-url``, ``--keep``."""
    parser.add_argument("--server-cpu", type=int, default=0, help="core the server is pinned to (0)")
    parser.add_argument("--client-cpu", type=int, default=1, help=f"core {client} is pinned to (1)")
    parser.add_argument(
        "--db-cpu",
        type=int,
        default=None,
        help="core the deployment's PostgreSQL backends are moved to (--client-cpu's; -1: leave them alone)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        help="Tenantry's TENANTRY_LOG_LEVEL (info, its default, writes one JSON line per request)",
    )
    parser.add_argument("--postgres-url", default=os.environ.get("TENANTRY_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")


def check_server_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.db_cpu is None:
        args.db_cpu = args.client_cpu
    available = os.sched_getaffinity(0)
    if args.db_cpu != -1 and (args.db_cpu not in available or args.db_cpu == args.server_cpu):
        parser.error(f"--db-cpu must be -1 or a core of {sorted(available)} other than --server-cpu")
    if args.server_cpu not in available or args.client_cpu not in available or args.server_cpu == args.client_cpu:
        parser.error(f"--server-cpu and --client-cpu must be two different cores of {sorted(available)}")


def pinned_backends(database: Database, db_cpu: int) -> AbstractContextManager[Any]:
    """A BackendPinner moving the deployment's backends to ``db_cpu``, or nothing when it is -1."""
    return BackendPinner(database, db_cpu) if db_cpu != -1 else nullcontext()


# ---------------------------------------------------------------- report


def ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def median_run(runs: list[Run]) -> Run:
    """The run with the median rate (the middle one of an odd count, the lower middle of an even one)."""
    ordered = sorted(runs, key=lambda run: run.rate)
    return ordered[(len(ordered) - 1) // 2]


def resource_header(server_cpu: int, client_cpu: int, unit: str = "req") -> str:
    """The column titles of ``resource_cells``."""
    per_unit = f"DB tx/{unit}"
    return (
        f"{'server CPU':>12}{'per CPU-s':>11}{'core ' + str(server_cpu):>8}{'core ' + str(client_cpu):>8}"
        f"{'DB CPU':>8}{per_unit:>{max(10, len(per_unit) + 1)}}{'DB conns':>9}"
    )


def resource_cells(run: Run, server_cpu: int, client_cpu: int, unit: str = "req") -> str:
    """Server CPU share, answers per server CPU-second, both cores' busy share, and the database's figures."""
    per_cpu = run.requests / run.server_cpu_s if run.server_cpu_s else 0.0
    row = (
        f"{run.server_cpu_s / run.seconds:>11.0%} {per_cpu:>10,.0f}"
        f"{run.core_busy.get(server_cpu, 0):>8.0%}{run.core_busy.get(client_cpu, 0):>8.0%}"
    )
    if run.database_cpu_s is not None:
        row += f"{run.database_cpu_s / run.seconds:>8.0%}"
        row += f"{(run.transactions or 0) / max(1, run.requests):>{max(10, len(unit) + 7)}.2f}{run.sessions or 0:>9,}"
    return row


def resource_legend(args: argparse.Namespace, unit: str = "req", noun: str = "answer", db_note: str = "") -> list[str]:
    """What ``resource_cells`` means, one line each; ``unit`` as in the header, ``noun`` what one counts."""
    server_cpu, client_cpu = args.server_cpu, args.client_cpu
    where = "left where the kernel puts them" if args.db_cpu == -1 else f"moved to core {args.db_cpu}"
    return [
        "server CPU: the server process's CPU time over the run's wall time (near 100%: the core was the limit)",
        f"per CPU-s: {noun}s per second of the server's own CPU time",
        f"core {server_cpu} / core {client_cpu}: how busy each core was, with anything (others share the machine)",
        f"DB CPU: the deployment's PostgreSQL backends ({where}), with the connections that ended during the run"
        f" (any database's){db_note}",
        f"DB tx/{unit}: PostgreSQL transactions per {noun}; DB conns: PostgreSQL connections opened during the run",
    ]


def transactions_split(run: Run, databases: Databases) -> str:
    """``control plane 0.1, data plane 3.0``: PostgreSQL transactions per answer in each database."""
    count = max(1, run.requests)
    control = run.transactions_by_database.get(databases.control_db, 0) / count
    plane = run.transactions_by_database.get(databases.plane_db, 0) / count
    return f"control plane {control:.1f}, data plane {plane:.1f}"


def low_cpu_note(name: str, run: Run) -> str | None:
    share = run.server_cpu_s / run.seconds if run.seconds else 0.0
    if share >= 0.9:
        return None
    return (
        f"note: the {name} server used only {share:.0%} of its core: it was"
        " waiting (database, load generator or a busy machine), not computing"
    )
