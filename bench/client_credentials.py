"""client_credentials benchmark: Tenantry's token endpoint against node oidc-provider, per core.

Builds a throwaway PostgreSQL deployment (a fresh control database and its ``shared`` data plane)
with one realm and one confidential application allowed client_credentials, then runs side by side
on the same machine, each server as ONE process pinned to one core (``taskset``), with the same
load generator (``wrk``, pinned to another core), concurrency and duration:

- Tenantry   ``POST /realms/bench/oauth/token`` grant_type=client_credentials, client_secret_basic,
             client looked up in PostgreSQL, ES256 JWT access token (one uvicorn worker, uvloop, httptools)
- peer       node ``oidc-provider`` (bench/peer/oidc_provider_cc.mjs): the same grant and client
             authentication, ES256 JWT access token through a resource indicator, in-memory adapter
- Tenantry   ``POST /realms/bench/oauth/introspect`` of a valid access token

and prints tokens/s (= per core: the server has exactly one), p50/p99 latency, errors (every
response must be 200 with the expected body), the server's CPU use, and the two requirements:
Tenantry/oidc-provider client_credentials ratio >= 1.0, and introspection >= 5,000 per second per core.

Run: ``.venv/bin/python bench/client_credentials.py`` (``--quick`` for a smoke run). See bench/README.md.
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
import tempfile
import threading
import time
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
from sqlalchemy.engine import make_url

from tenantry.bootstrap import Runtime
from tenantry.config import Settings
from tenantry.services.access import system_actor

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HERE = Path(__file__).resolve().parent
PEER_DIR = HERE / "peer"
PEER_SCRIPT = PEER_DIR / "oidc_provider_cc.mjs"
REALM = "bench"
SCOPE = "api:read"
CC_REQUIREMENT = 1.0
"""Tenantry client_credentials tokens/s per core divided by oidc-provider's must be at least this."""
INTROSPECTION_REQUIREMENT = 5_000
"""Introspections per second per core."""
FORM = "application/x-www-form-urlencoded"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the load generator

WRK_SCRIPT = """-- written by bench/client_credentials.py: one POST, every answer checked
wrk.method = "POST"
wrk.path = [==[{path}]==]
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "{form}"
wrk.headers["Authorization"] = [==[{authorization}]==]
local expect = [==[{expect}]==]
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  statuses = {{}}
  sample = ""
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, expect, 1, true) then
    bad = bad + 1
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
    if sample == "" then
      sample = key .. " " .. string.gsub(string.sub(body, 1, 300), "%s+", " ")
    end
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    for key, count in pairs(thread:get("statuses")) do
      io.write(string.format("WRK-STATUS %s %d\\n", key, count))
    end
    local first = thread:get("sample")
    if first ~= "" then
      io.write("WRK-SAMPLE " .. first .. "\\n")
    end
  end
  local e = summary.errors
  io.write(string.format("WRK-RESULT %d %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, bad_total))
end
"""


@dataclass
class Run:
    """One measured wrk run against one server."""

    label: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    bad: int
    """Answers that were not 200 with the expected body."""
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

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.bad + sum(self.socket_errors.values())


def write_wrk_script(directory: Path, name: str, path: str, body: str, authorization: str, expect: str) -> Path:
    for value in (path, body, authorization, expect):
        if "]==]" in value or "\n" in value:
            raise ValueError("a value would break the wrk script's string literals")
    script = directory / f"{name}.lua"
    script.write_text(
        WRK_SCRIPT.format(path=path, body=body, form=FORM, authorization=authorization, expect=expect),
        encoding="utf-8",
    )
    return script


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
            row = conn.execute(
                "SELECT coalesce(sum(xact_commit + xact_rollback), 0), coalesce(sum(sessions), 0)"
                " FROM pg_stat_database WHERE datname = ANY(%s)",
                (self.databases,),
            ).fetchone()
            postmaster = int(_stat(conn.info.backend_pid)[1])
            backends = {}
            for pid in pids:
                with suppress(OSError):
                    backends[pid] = process_cpu(pid)
            reaped = children_cpu(postmaster)
        return DatabaseSnapshot(backends, reaped, int(row[0]) if row else 0, int(row[1]) if row else 0)

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


def check_token(server: Server, path: str, authorization: str, body: str) -> str:
    """One request by hand before the load: 200, an ES256 ``at+jwt`` access token."""
    answer = httpx.post(
        server.base_url + path, content=body, headers={"Authorization": authorization, "Content-Type": FORM}
    )
    if answer.status_code != 200:
        raise SystemExit(f"{server.name}: token request answered {answer.status_code}: {answer.text[:500]}")
    token = str(answer.json()["access_token"])
    header, claims = jwt_parts(token)
    if header.get("alg") != "ES256" or str(header.get("typ", "")).lower() != "at+jwt":
        raise SystemExit(f"{server.name}: expected an ES256 at+jwt access token, got header {header}")
    print(f"  {server.name}: header {header}, claims {sorted(claims)}")
    return token


def versions(url: str) -> str:
    parts = [f"Python {platform.python_version()}"]
    with suppress(Exception):
        import uvicorn

        parts.append(f"uvicorn {uvicorn.__version__}")
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    parts.append(f"node {node}")
    with suppress(OSError, ValueError, KeyError):
        package = json.loads((PEER_DIR / "node_modules" / "oidc-provider" / "package.json").read_text())
        parts.append(f"oidc-provider {package['version']}")
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    parts.append((wrk.stdout or wrk.stderr).split(" [", 1)[0].strip())
    with suppress(psycopg.Error), psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        parts.append(f"PostgreSQL {row[0] if row else '?'}")
    return ", ".join(parts)


def check_tools() -> None:
    missing = [tool for tool in ("wrk", "node", "npm", "taskset") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (Debian: apt-get install -y wrk nodejs npm util-linux)")
    if not (PEER_DIR / "node_modules" / "oidc-provider").is_dir():
        print("installing the peer: npm ci in bench/peer ...", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True)


# ---------------------------------------------------------------- the deployment


@dataclass
class Deployment:
    control_db: str
    plane_db: str
    database_url: str
    master_key: str
    client_id: str
    client_secret: str


async def deploy(url: str, data_dir: Path, base_url: str) -> Deployment:
    control_db = f"bench_cc_{secrets.token_hex(4)}"
    database_url = make_url(url).set(database=control_db).render_as_string(hide_password=False)
    master_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    runtime = Runtime(
        Settings(
            database_url=database_url,
            data_dir=data_dir,
            master_key=master_key,
            base_url=base_url,
            domain_recheck_seconds=0,
            hash_workers=1,
        )
    )
    try:
        await runtime.migrate()
        actor = system_actor("bench")
        realm = await runtime.services.realms.create(actor, name=REALM)
        application, secret = await runtime.services.applications.create(
            actor, realm.id, name="bench-service", grant_types=["client_credentials"]
        )
        async with runtime.ports.control.transaction() as tx:
            plane = await tx.planes.get(realm.home_plane_id)
        assert plane is not None and secret is not None
        return Deployment(control_db, plane.database, database_url, master_key, application.client_id, secret)
    finally:
        await runtime.close()


def drop_databases(url: str, *databases: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for database in databases:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# ---------------------------------------------------------------- report


def ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def median_run(runs: list[Run]) -> Run:
    """The run with the median rate (the middle one of an odd count, the lower middle of an even one)."""
    ordered = sorted(runs, key=lambda run: run.rate)
    return ordered[(len(ordered) - 1) // 2]


def report(results: dict[str, list[Run]], args: argparse.Namespace) -> tuple[bool, bool]:
    server_cpu, client_cpu = args.server_cpu, args.client_cpu
    print()
    print(
        f"each server: one process pinned to core {server_cpu}; wrk (1 thread, {args.connections} keep-alive"
        f" connections) pinned to core {client_cpu}; {args.duration:.0f} s per run after {args.warmup:.0f} s of"
        " warm-up; every answer must be 200 with the expected body"
    )
    header = (
        f"{'':<34}{'per s':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'errors':>8}"
        f"{'server CPU':>12}{'per CPU-s':>11}{'core ' + str(server_cpu):>8}{'core ' + str(client_cpu):>8}"
        f"{'DB CPU':>8}{'DB tx/req':>10}{'DB conns':>9}"
    )
    print(header)
    for name, runs in results.items():
        for index, run in enumerate(runs):
            label = name if len(runs) == 1 else f"{name} #{index + 1}"
            per_cpu = run.requests / run.server_cpu_s if run.server_cpu_s else 0.0
            row = (
                f"{label:<34}{run.rate:>8,.0f}{ms(run.p50_ms):>8}{ms(run.p99_ms):>8}{ms(run.max_ms):>8}"
                f"{run.errors:>8,}{run.server_cpu_s / run.seconds:>11.0%} {per_cpu:>10,.0f}"
                f"{run.core_busy.get(server_cpu, 0):>8.0%}{run.core_busy.get(client_cpu, 0):>8.0%}"
            )
            if run.database_cpu_s is not None:
                row += f"{run.database_cpu_s / run.seconds:>8.0%}"
                row += f"{(run.transactions or 0) / max(1, run.requests):>10.2f}{run.sessions or 0:>9,}"
            print(row)
    where = "left where the kernel puts them" if args.db_cpu == -1 else f"moved to core {args.db_cpu}"
    for line in (
        "per s: answers per second, which is per core: each server is one process on one core",
        "server CPU: the server process's CPU time over the run's wall time (near 100%: the core was the limit)",
        "per CPU-s: answers per second of the server's own CPU time",
        f"core {server_cpu} / core {client_cpu}: how busy each core was, with anything (others share the machine)",
        f"DB CPU: the deployment's PostgreSQL backends ({where}), with the connections that ended during the run"
        " (any database's); the peer keeps its state in memory",
        "DB tx/req: PostgreSQL transactions per answer; DB conns: PostgreSQL connections opened during the run",
    ):
        print(f"  {line}")
    for name, runs in results.items():
        for run in runs:
            if run.errors:
                print(f"  ERRORS in {name}: {run.bad:,} bad answers {run.statuses or ''}, socket {run.socket_errors}")
                if run.sample:
                    print(f"    first bad answer: {run.sample}")
            if run.server_cpu_s / run.seconds < 0.9:
                print(
                    f"  note: the {name} server used only {run.server_cpu_s / run.seconds:.0%} of its core: it was"
                    " waiting (database, load generator or a busy machine), not computing"
                )

    tenantry = median_run(results["Tenantry client_credentials"]).rate
    peer = median_run(results["oidc-provider client_credentials"]).rate
    introspection = median_run(results["Tenantry introspection"]).rate
    ratio = tenantry / peer if peer else 0.0
    cc_ok = ratio >= CC_REQUIREMENT
    intro_ok = introspection >= INTROSPECTION_REQUIREMENT
    rounds = len(results["Tenantry client_credentials"])
    print()
    if rounds > 1:
        print(f"medians over {rounds} rounds:")
    print(
        f"client_credentials per core: Tenantry {tenantry:,.0f}/s, oidc-provider {peer:,.0f}/s,"
        f" ratio {ratio:.2f} (requirement >= {CC_REQUIREMENT:.1f}): {'MET' if cc_ok else 'NOT MET'}"
    )
    print(
        f"introspection per core: Tenantry {introspection:,.0f}/s"
        f" (requirement >= {INTROSPECTION_REQUIREMENT:,}): {'MET' if intro_ok else 'NOT MET'}"
    )
    print(f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return cc_ok, intro_ok


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=None, help="seconds measured per run (15; --quick: 3)")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of untimed load first (5; --quick: 1)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections (32)")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the three runs this many times (1)")
    parser.add_argument("--server-cpu", type=int, default=0, help="core the servers are pinned to (0)")
    parser.add_argument("--client-cpu", type=int, default=1, help="core wrk is pinned to (1)")
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
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 s per run after 1 s of warm-up")
    args = parser.parse_args(argv)
    if args.duration is None:
        args.duration = 3.0 if args.quick else 15.0
    if args.warmup is None:
        args.warmup = 1.0 if args.quick else 5.0
    if args.duration < 1 or args.connections < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("need --duration >= 1, --connections >= 1, --rounds >= 1 and --warmup >= 0")
    if args.db_cpu is None:
        args.db_cpu = args.client_cpu
    available = os.sched_getaffinity(0)
    if args.db_cpu != -1 and (args.db_cpu not in available or args.db_cpu == args.server_cpu):
        parser.error(f"--db-cpu must be -1 or a core of {sorted(available)} other than --server-cpu")
    if args.server_cpu not in available or args.client_cpu not in available or args.server_cpu == args.client_cpu:
        parser.error(f"--server-cpu and --client-cpu must be two different cores of {sorted(available)}")
    return args


def start_tenantry(args: argparse.Namespace, deployment: Deployment, work: Path, port: int) -> Server:
    """ONE uvicorn worker process (uvloop, httptools, no access log) pinned to the server core."""
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TENANTRY_DATABASE_URL": deployment.database_url,
        "TENANTRY_DATA_DIR": str(work / "data"),
        "TENANTRY_MASTER_KEY": deployment.master_key,
        "TENANTRY_BASE_URL": base_url,
        "TENANTRY_DOMAIN_RECHECK_SECONDS": "0",
        "TENANTRY_LOG_LEVEL": args.log_level,
    }
    command = [
        *("taskset", "-c", str(args.server_cpu), sys.executable, "-m", "uvicorn", "tenantry.web.app:create_app"),
        *("--factory", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        *("--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"),
    ]
    return start("Tenantry", command, env, HERE.parent, work / "tenantry.log", base_url)


def start_peer(args: argparse.Namespace, deployment: Deployment, work: Path, port: int) -> Server:
    """node oidc-provider, one process pinned to the same core, with the same client id and secret."""
    command = [
        *("taskset", "-c", str(args.server_cpu), "node", str(PEER_SCRIPT), "--port", str(port)),
        *("--client-id", deployment.client_id, "--client-secret", deployment.client_secret, "--scope", SCOPE),
    ]
    env = {**os.environ, "NODE_ENV": "production"}
    return start("oidc-provider", command, env, PEER_DIR, work / "peer.log", f"http://127.0.0.1:{port}")


def prepare_scripts(
    tenantry: Server, peer: Server, deployment: Deployment, work: Path
) -> dict[str, tuple[Server, Path]]:
    """Check each endpoint once by hand, then write the three wrk scripts."""
    authorization = basic(deployment.client_id, deployment.client_secret)
    body = f"grant_type=client_credentials&scope={quote(SCOPE, safe='')}"
    token_path = f"/realms/{REALM}/oauth/token"
    introspect_path = f"/realms/{REALM}/oauth/introspect"
    print("one request by hand to each before the load:")
    token = check_token(tenantry, token_path, authorization, body)
    check_token(peer, "/token", authorization, body)
    intro_body = f"token={token}"
    answer = httpx.post(
        tenantry.base_url + introspect_path,
        content=intro_body,
        headers={"Authorization": authorization, "Content-Type": FORM},
    )
    if answer.status_code != 200 or answer.json().get("active") is not True:
        raise SystemExit(f"Tenantry introspection answered {answer.status_code}: {answer.text[:500]}")
    access_token = '"access_token":"'
    return {
        "Tenantry client_credentials": (
            tenantry,
            write_wrk_script(work, "tenantry_token", token_path, body, authorization, access_token),
        ),
        "oidc-provider client_credentials": (
            peer,
            write_wrk_script(work, "peer_token", "/token", body, authorization, access_token),
        ),
        "Tenantry introspection": (
            tenantry,
            write_wrk_script(work, "tenantry_introspect", introspect_path, intro_body, authorization, '"active":true'),
        ),
    }


def measure(
    args: argparse.Namespace, scripts: dict[str, tuple[Server, Path]], tenantry: Server, database: Database
) -> dict[str, list[Run]]:
    """Each run in turn, ``--rounds`` times: warm-up, then the measured run with its CPU accounting."""
    results: dict[str, list[Run]] = {name: [] for name in scripts}
    pinner = BackendPinner(database, args.db_cpu) if args.db_cpu != -1 else nullcontext()
    with pinner:
        for round_number in range(args.rounds):
            for name, (server, script) in scripts.items():
                suffix = f" (round {round_number + 1} of {args.rounds})" if args.rounds > 1 else ""
                print(
                    f"{name}{suffix}: {args.warmup:.0f} s warm-up, {args.duration:.0f} s measured,"
                    f" {args.connections} connections ...",
                    flush=True,
                )
                if args.warmup:
                    run_wrk(server.base_url, script, args.warmup, args.connections, args.client_cpu, name)
                accounting = Accounting(server.process.pid, database if server is tenantry else None)
                run, _ = run_wrk(server.base_url, script, args.duration, args.connections, args.client_cpu, name)
                accounting.finish(run)
                results[name].append(run)
                if server.process.poll() is not None:
                    raise SystemExit(f"{server.name} exited during the run:\n{server.log_tail()}")
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    check_tools()
    started = time.perf_counter()
    url = args.postgres_url
    print(versions(url))
    tenantry_port, peer_port = free_port(), free_port()
    servers: list[Server] = []
    deployment: Deployment | None = None
    errors = 0
    with tempfile.TemporaryDirectory(prefix="tenantry-bench-cc-") as tmp:
        work = Path(tmp)
        try:
            deployment = asyncio.run(deploy(url, work / "data", f"http://127.0.0.1:{tenantry_port}"))
            parsed = make_url(url)
            print(
                f"PostgreSQL at {parsed.host}:{parsed.port or 5432}; throwaway databases {deployment.control_db},"
                f" {deployment.plane_db}; realm {REALM}, one application with grant_types [client_credentials]"
            )
            tenantry = start_tenantry(args, deployment, work, tenantry_port)
            servers.append(tenantry)
            peer = start_peer(args, deployment, work, peer_port)
            servers.append(peer)
            wait_ready(tenantry, f"/realms/{REALM}/.well-known/openid-configuration")
            wait_ready(peer, "/.well-known/openid-configuration")
            scripts = prepare_scripts(tenantry, peer, deployment, work)
            database = Database(url, (deployment.control_db, deployment.plane_db))
            results = measure(args, scripts, tenantry, database)
            report(results, args)
            errors = sum(run.errors for runs in results.values() for run in runs)
        finally:
            for server in servers:
                server.stop()
            if deployment is not None:
                if args.keep:
                    print(
                        f"kept databases {deployment.control_db} and {deployment.plane_db}; serve them again with"
                        f" TENANTRY_DATABASE_URL={deployment.database_url}"
                        f" TENANTRY_MASTER_KEY={deployment.master_key}"
                        f" TENANTRY_BASE_URL=http://127.0.0.1:{tenantry_port};"
                        f" client {deployment.client_id}:{deployment.client_secret}"
                    )
                else:
                    with suppress(psycopg.Error):
                        drop_databases(url, deployment.plane_db, deployment.control_db)
    print(f"total {time.perf_counter() - started:.0f} s")
    if errors:
        print(f"FAILED: {errors:,} requests did not get the expected answer (see ERRORS above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
