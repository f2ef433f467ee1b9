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
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg
from _common import (
    FORM,
    HERE,
    REALM,
    Accounting,
    Database,
    Databases,
    Run,
    Server,
    add_server_arguments,
    basic,
    check_server_arguments,
    databases_of,
    drop_databases,
    free_port,
    jwt_parts,
    low_cpu_note,
    median_run,
    ms,
    new_runtime,
    pinned_backends,
    resource_cells,
    resource_header,
    resource_legend,
    run_wrk,
    start,
    start_tenantry,
    versions,
    wait_ready,
)
from sqlalchemy.engine import make_url

from tenantry.services.access import system_actor

PEER_DIR = HERE / "peer"
PEER_SCRIPT = PEER_DIR / "oidc_provider_cc.mjs"
SCOPE = "api:read"
CC_REQUIREMENT = 1.0
"""Tenantry client_credentials tokens/s per core divided by oidc-provider's must be at least this."""
INTROSPECTION_REQUIREMENT = 5_000
"""Introspections per second per core."""


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


def peer_version() -> list[str]:
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    parts = [f"node {node}"]
    with suppress(OSError, ValueError, KeyError):
        package = json.loads((PEER_DIR / "node_modules" / "oidc-provider" / "package.json").read_text())
        parts.append(f"oidc-provider {package['version']}")
    return parts


def check_tools() -> None:
    missing = [tool for tool in ("wrk", "node", "npm", "taskset") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (Debian: apt-get install -y wrk nodejs npm util-linux)")
    if not (PEER_DIR / "node_modules" / "oidc-provider").is_dir():
        print("installing the peer: npm ci in bench/peer ...", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True)


# ---------------------------------------------------------------- the deployment


@dataclass
class Deployment(Databases):
    client_id: str
    client_secret: str


async def deploy(url: str, data_dir: Path, base_url: str) -> Deployment:
    runtime = new_runtime(url, "bench_cc", data_dir, base_url)
    try:
        await runtime.migrate()
        actor = system_actor("bench")
        realm = await runtime.services.realms.create(actor, name=REALM)
        application, secret = await runtime.services.applications.create(
            actor, realm.id, name="bench-service", grant_types=["client_credentials"]
        )
        databases = await databases_of(runtime, realm)
        assert secret is not None
        return Deployment(**vars(databases), client_id=application.client_id, client_secret=secret)
    finally:
        await runtime.close()


# ---------------------------------------------------------------- report


def report(results: dict[str, list[Run]], args: argparse.Namespace) -> tuple[bool, bool]:
    server_cpu, client_cpu = args.server_cpu, args.client_cpu
    print()
    print(
        f"each server: one process pinned to core {server_cpu}; wrk (1 thread, {args.connections} keep-alive"
        f" connections) pinned to core {client_cpu}; {args.duration:.0f} s per run after {args.warmup:.0f} s of"
        " warm-up; every answer must be 200 with the expected body"
    )
    print(
        f"{'':<34}{'per s':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'errors':>8}"
        + resource_header(server_cpu, client_cpu)
    )
    for name, runs in results.items():
        for index, run in enumerate(runs):
            label = name if len(runs) == 1 else f"{name} #{index + 1}"
            print(
                f"{label:<34}{run.rate:>8,.0f}{ms(run.p50_ms):>8}{ms(run.p99_ms):>8}{ms(run.max_ms):>8}"
                f"{run.errors:>8,}" + resource_cells(run, server_cpu, client_cpu)
            )
    print("  per s: answers per second, which is per core: each server is one process on one core")
    for line in resource_legend(args, db_note="; the peer keeps its state in memory"):
        print(f"  {line}")
    for name, runs in results.items():
        for run in runs:
            if run.errors:
                print(f"  ERRORS in {name}: {run.bad:,} bad answers {run.statuses or ''}, socket {run.socket_errors}")
                if run.sample:
                    print(f"    first bad answer: {run.sample}")
            note = low_cpu_note(name, run)
            if note:
                print(f"  {note}")

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
    parser.add_argument(
        "--duration", "--seconds", type=float, default=None, help="seconds measured per run (15; --quick: 3)"
    )
    parser.add_argument("--warmup", type=float, default=None, help="seconds of untimed load first (5; --quick: 1)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections (32)")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the three runs this many times (1)")
    add_server_arguments(parser)
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 s per run after 1 s of warm-up")
    args = parser.parse_args(argv)
    if args.duration is None:
        args.duration = 3.0 if args.quick else 15.0
    if args.warmup is None:
        args.warmup = 1.0 if args.quick else 5.0
    if args.duration < 1 or args.connections < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("need --duration >= 1, --connections >= 1, --rounds >= 1 and --warmup >= 0")
    check_server_arguments(parser, args)
    return args


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
    with pinned_backends(database, args.db_cpu):
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
    print(versions(url, *peer_version()))
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
