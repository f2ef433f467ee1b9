"""Refresh rotation benchmark: refresh-token rotations per second per core (target >= 1,500).

Builds a throwaway PostgreSQL deployment (a fresh control database and its ``shared`` data plane)
with one realm, a database connection of users and one confidential web application, and obtains
many refresh tokens before the server starts: each is a complete login through the service layer
in-process (``LoginService.authorize``, ``identify``, ``password``, then ``GrantService.authorization_code``
with the PKCE verifier), so every token has its own family and session, as after a real login.

Then Tenantry runs as ONE process pinned to one core (``taskset``) and ``wrk`` (pinned to another
core) sends ``POST /realms/bench/oauth/token`` grant_type=refresh_token with client_secret_basic,
rotating: each answer's new refresh token goes to the back of the queue and replaces the one sent,
which is never sent again (a rotated token reused after the leeway revokes its whole family). Every
answer must be 200 with an access token and a new refresh token; after the run, the database must
show as many rotations as answers and no revoked family.

Run: ``.venv/bin/python bench/refresh_rotation.py`` (``--quick`` for a smoke run). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import psycopg
from _common import (
    FORM,
    PASSWORD,
    REALM,
    Accounting,
    Database,
    Profile,
    Run,
    Server,
    WebDeployment,
    add_server_arguments,
    basic,
    check_server_arguments,
    control_database,
    deploy_web,
    drop_deployment,
    free_port,
    jwt_parts,
    kept,
    low_cpu_note,
    ms,
    new_runtime,
    pinned_backends,
    resource_cells,
    resource_header,
    resource_legend,
    run_wrk,
    start_tenantry,
    transactions_split,
    versions,
    wait_ready,
)
from sqlalchemy.engine import make_url

from tenantry.bootstrap import Runtime
from tenantry.protocols.oauth import pkce

TARGET = 1_500
"""Refresh-token rotations per second per core."""
SCOPE = "openid email"
REDIRECT_URI = "http://127.0.0.1/bench/callback"
TOKEN_PATH = f"/realms/{REALM}/oauth/token"


# ---------------------------------------------------------------- the load generator

WRK_SCRIPT = """-- written by bench/refresh_rotation.py: each answer's refresh token replaces the one sent
wrk.method = "POST"
wrk.headers["Content-Type"] = "{form}"
wrk.headers["Authorization"] = [==[{authorization}]==]
local path = [==[{path}]==]
local tokens_in = [==[{tokens_in}]==]
local tokens_out = [==[{tokens_out}]==]
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  starved = 0
  statuses = {{}}
  sample = ""
  queue = {{}}
  head = 1
  tail = 0
  for line in io.lines(tokens_in) do
    if line ~= "" then
      tail = tail + 1
      queue[tail] = line
    end
  end
end

-- wrk asks for a connection's next request only after its previous answer went through response(),
-- so a token is in at most one request, and the queue holds every token that is not in flight.
function request()
  local token = ""
  if head > tail then
    starved = starved + 1
  else
    token = queue[head]
    queue[head] = nil
    head = head + 1
  end
  return wrk.format(nil, path, nil, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  local token = nil
  if status == 200 and string.find(body, '"access_token":"', 1, true) then
    token = string.match(body, '"refresh_token":"([^"]+)"')
  end
  if token then
    tail = tail + 1
    queue[tail] = token
  else
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
  local starved_total = 0
  local out = assert(io.open(tokens_out, "w"))
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    starved_total = starved_total + thread:get("starved")
    for key, count in pairs(thread:get("statuses")) do
      io.write(string.format("WRK-STATUS %s %d\\n", key, count))
    end
    local first = thread:get("sample")
    if first ~= "" then
      io.write("WRK-SAMPLE " .. first .. "\\n")
    end
    local q = thread:get("queue")
    for i = thread:get("head"), thread:get("tail") do
      out:write(q[i], "\\n")
    end
  end
  out:close()
  local e = summary.errors
  io.write(string.format("WRK-STARVED %d\\n", starved_total))
  io.write(string.format("WRK-RESULT %d %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, bad_total))
end
"""


def write_wrk_script(work: Path, name: str, authorization: str, tokens_in: Path, tokens_out: Path) -> Path:
    values = (authorization, str(tokens_in), str(tokens_out), TOKEN_PATH)
    if any("]==]" in value or "\n" in value for value in values):
        raise ValueError("a value would break the wrk script's string literals")
    script = work / f"{name}.lua"
    script.write_text(
        WRK_SCRIPT.format(
            form=FORM, authorization=authorization, path=TOKEN_PATH, tokens_in=tokens_in, tokens_out=tokens_out
        ),
        encoding="utf-8",
    )
    return script


def read_tokens(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="ascii").splitlines() if line]


def write_tokens(path: Path, tokens: list[str]) -> None:
    path.write_text("".join(f"{token}\n" for token in tokens), encoding="ascii")


# ---------------------------------------------------------------- refresh tokens, before the server starts


async def seed_tokens(runtime: Runtime, deployment: WebDeployment, families: int, concurrency: int = 8) -> list[str]:
    """``families`` complete logins through the service layer, each redeemed for its first refresh token."""
    async with runtime.ports.control.transaction() as tx:
        realm = await tx.realms.get(deployment.realm_id)
    assert realm is not None
    login, grants = runtime.services.login, runtime.services.grants
    authorization = basic(deployment.client_id, deployment.client_secret)
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> str:
        _, email = deployment.users[index % len(deployment.users)]
        verifier = secrets.token_urlsafe(48)
        params = {
            "client_id": [deployment.client_id],
            "redirect_uri": [deployment.redirect_uri],
            "response_type": ["code"],
            "scope": [SCOPE],
            "state": [secrets.token_urlsafe(12)],
            "nonce": [secrets.token_urlsafe(12)],
            "code_challenge": [pkce.s256(verifier)],
            "code_challenge_method": ["S256"],
        }
        async with gate:
            outcome = await login.authorize(realm, params, None)
            assert outcome.transaction is not None, outcome
            outcome = await login.identify(realm, outcome.transaction, email)
            assert outcome.transaction is not None and outcome.page == "password", outcome
            outcome = await login.password(realm, outcome.transaction, PASSWORD, "127.0.0.1")
            assert outcome.redirect is not None, outcome
            code = parse_qs(urlsplit(outcome.redirect).query)["code"][0]
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": deployment.redirect_uri,
                "code_verifier": verifier,
            }
            tokens = await grants.authorization_code(realm, authorization, form)
        return str(tokens["refresh_token"])

    return list(await asyncio.gather(*(one(index) for index in range(families))))


async def prepare(runtime: Runtime, users: int, families: int) -> tuple[WebDeployment, list[str]]:
    try:
        deployment = await deploy_web(runtime, users, REDIRECT_URI)
        return deployment, await seed_tokens(runtime, deployment, families)
    finally:
        await runtime.close()


# ---------------------------------------------------------------- checks


def rotate_once(server: Server, authorization: str, tokens: list[str]) -> None:
    """One rotation by hand before the load: the first token is replaced by the one that comes back."""
    old = tokens.pop(0)
    answer = httpx.post(
        server.base_url + TOKEN_PATH,
        content=urlencode({"grant_type": "refresh_token", "refresh_token": old}),
        headers={"Authorization": authorization, "Content-Type": FORM},
    )
    if answer.status_code != 200:
        raise SystemExit(f"the rotation by hand answered {answer.status_code}: {answer.text[:500]}")
    body = answer.json()
    new = str(body.get("refresh_token", ""))
    if not new or new == old or "id_token" in body:
        raise SystemExit(f"the rotation by hand did not answer a new refresh token (and no ID token): {sorted(body)}")
    header, claims = jwt_parts(str(body["access_token"]))
    print(f"one rotation by hand: access token header {header}, claims {sorted(claims)}; answer {sorted(body)}")
    tokens.append(new)


@dataclass
class Ledger:
    rotated: int
    """Refresh tokens marked rotated."""
    issued: int
    revoked_families: int


def ledger(url: str, deployment: WebDeployment) -> Ledger:
    """The plane database's own count (as the superuser, which row-level security does not apply to)."""
    plane_url = make_url(url).set(database=deployment.plane_db).render_as_string(hide_password=False)
    plane_url = plane_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plane_url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM refresh_tokens WHERE rotated_at IS NOT NULL),"
            " (SELECT count(*) FROM refresh_tokens),"
            " (SELECT count(*) FROM token_families WHERE revoked_at IS NOT NULL)"
        ).fetchone()
    assert row is not None
    return Ledger(int(row[0]), int(row[1]), int(row[2]))


# ---------------------------------------------------------------- report


def report(
    args: argparse.Namespace,
    run: Run,
    starved: int,
    before: Ledger,
    after: Ledger,
    families: int,
    deployment: WebDeployment,
) -> bool:
    server_cpu, client_cpu = args.server_cpu, args.client_cpu
    print()
    print(
        f"server: one process pinned to core {server_cpu}; wrk (1 thread, {args.connections} keep-alive connections)"
        f" pinned to core {client_cpu}; {args.seconds:.0f} s measured after {args.warmup:.0f} s of warm-up;"
        f" {families:,} token families from as many logins, each rotated in turn"
    )
    print(
        f"{'':<22}{'per s':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'max ms':>8}{'errors':>8}"
        + resource_header(server_cpu, client_cpu, "rotation")
    )
    print(
        f"{'refresh rotations':<22}{run.rate:>8,.0f}{ms(run.p50_ms):>8}{ms(run.p90_ms):>8}{ms(run.p99_ms):>8}"
        f"{ms(run.max_ms):>8}{run.errors:>8,}" + resource_cells(run, server_cpu, client_cpu, "rotation")
    )
    answered = run.requests - run.bad
    print(
        f"  database: {after.rotated - before.rotated:,} refresh tokens rotated and"
        f" {after.issued - before.issued:,} issued during the run ({answered:,} good answers; requests in flight at"
        f" the start and the end account for a few more), {after.revoked_families:,} families revoked"
    )
    if run.requests and run.server_cpu_s:
        print(
            f"  server CPU per rotation: {run.server_cpu_s / run.requests * 1000:.2f} ms;"
            f" {(run.transactions or 0) / run.requests:.1f} PostgreSQL transactions per rotation"
            f" ({transactions_split(run, deployment)})"
        )
    print("  per s: rotations per second, which is per core: the server is one process on one core")
    for line in resource_legend(args, "rotation", "rotation"):
        print(f"  {line}")
    if run.errors:
        print(f"  ERRORS: {run.bad:,} bad answers {run.statuses or ''}, socket {run.socket_errors}")
        if run.sample:
            print(f"    first bad answer: {run.sample}")
    if starved:
        print(f"  ERRORS: the token queue ran dry {starved:,} times (too many bad answers for --families)")
    if after.revoked_families:
        print(f"  ERRORS: {after.revoked_families:,} families were revoked: a rotated token was sent again")
    note = low_cpu_note("Tenantry", run)
    if note:
        print(f"  {note}")
    met = run.rate >= TARGET
    per_cpu = run.requests / run.server_cpu_s if run.server_cpu_s else 0.0
    print()
    print(
        f"refresh rotations per core: {run.rate:,.0f}/s (target >= {TARGET:,}): ratio {run.rate / TARGET:.2f},"
        f" {'MET' if met else 'NOT MET'}; per CPU-second of the server: {per_cpu:,.0f}"
    )
    print(f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return met


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=None, help="seconds measured (15; --quick: 3)")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of untimed rotations first (5; --quick: 1)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections (32)")
    parser.add_argument(
        "--families", type=int, default=None, help="refresh tokens obtained by logins first (500; --quick: 200)"
    )
    parser.add_argument(
        "--users", type=int, default=None, help="seeded users the logins spread over (200; --quick: 50)"
    )
    add_server_arguments(parser)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="record the server with py-spy during the measured run into this file",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 s after 1 s of warm-up, 200 families")
    args = parser.parse_args(argv)
    defaults = {"seconds": (3.0, 15.0), "warmup": (1.0, 5.0), "families": (200, 500), "users": (50, 200)}
    for name, (quick, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.seconds < 1 or args.warmup < 0 or args.connections < 1 or args.users < 1:
        parser.error("need --seconds >= 1, --warmup >= 0, --connections >= 1 and --users >= 1")
    if args.families < 4 * args.connections:
        parser.error("--families must be at least 4 times --connections (each run loses the tokens in flight)")
    check_server_arguments(parser, args)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        raise SystemExit("missing: wrk or taskset (Debian: apt-get install -y wrk util-linux)")
    started = time.perf_counter()
    url = args.postgres_url
    print(versions(url))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server: Server | None = None
    deployment: WebDeployment | None = None
    failed = False
    with tempfile.TemporaryDirectory(prefix="tenantry-bench-refresh-") as tmp:
        work = Path(tmp)
        runtime = new_runtime(url, "bench_refresh", work / "data", base_url, hash_workers=2)
        control_db = control_database(runtime)
        try:
            seeding = time.perf_counter()
            deployment, tokens = asyncio.run(prepare(runtime, args.users, args.families))
            print(
                f"throwaway databases {deployment.control_db}, {deployment.plane_db}; realm {REALM}, application"
                f" bench-web (confidential, code + refresh), {len(deployment.users):,} users; {len(tokens):,} logins"
                f" through the service layer for as many refresh tokens in {time.perf_counter() - seeding:.1f} s"
            )
            server = start_tenantry(args, deployment, work, port)
            wait_ready(server, f"/realms/{REALM}/.well-known/openid-configuration")
            authorization = basic(deployment.client_id, deployment.client_secret)
            rotate_once(server, authorization, tokens)
            files = [work / f"tokens{index}.txt" for index in range(3)]
            write_tokens(files[0], tokens)
            database = Database(url, (deployment.control_db, deployment.plane_db))
            print(
                f"refresh rotations: {args.warmup:.0f} s warm-up, {args.seconds:.0f} s measured,"
                f" {args.connections} connections ...",
                flush=True,
            )
            with pinned_backends(database, args.db_cpu):
                if args.warmup:
                    script = write_wrk_script(work, "warmup", authorization, files[0], files[1])
                    run_wrk(server.base_url, script, args.warmup, args.connections, args.client_cpu, "warm-up")
                else:
                    files[1].write_text(files[0].read_text())
                left = read_tokens(files[1])
                if len(left) < 2 * args.connections:
                    raise SystemExit(f"only {len(left)} tokens left after the warm-up: see the server log")
                script = write_wrk_script(work, "measured", authorization, files[1], files[2])
                before = ledger(url, deployment)
                accounting = Accounting(server.process.pid, database)
                profile = (
                    Profile(args.profile, server.process.pid, args.seconds, args.client_cpu) if args.profile else None
                )
                run, lines = run_wrk(
                    server.base_url, script, args.seconds, args.connections, args.client_cpu, "refresh rotations"
                )
                accounting.finish(run)
                if profile is not None:
                    profile.wait()
                after = ledger(url, deployment)
            if server.process.poll() is not None:
                raise SystemExit(f"Tenantry exited during the run:\n{server.log_tail()}")
            starved = sum(int(line.split()[1]) for line in lines if line.startswith("WRK-STARVED "))
            report(args, run, starved, before, after, len(tokens), deployment)
            if profile is not None:
                print("\n".join(profile.summary()))
            failed = bool(run.errors or starved or after.revoked_families)
        finally:
            if server is not None:
                server.stop()
            if args.keep:
                print(kept(control_db, deployment, port))
            else:
                with suppress(Exception):
                    drop_deployment(url, control_db)
    print(f"total {time.perf_counter() - started:.0f} s")
    if failed:
        print("FAILED: some rotations did not get the expected answer (see ERRORS above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
