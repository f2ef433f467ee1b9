"""Password login benchmark: complete hosted logins per second per core, against argon2id's own rate.

Builds a throwaway PostgreSQL deployment (a fresh control database and its ``shared`` data plane)
with one realm, a database connection of many users and one confidential web application, starts
Tenantry as ONE process pinned to one core (``taskset``), and drives complete logins from an asyncio
httpx client on another core. One login is what a browser and its application do:

1. ``GET  /realms/bench/oauth/authorize`` code flow, PKCE S256, state and nonce: the identifier page
2. ``POST /realms/bench/login/identifier`` its CSRF field and the login-state cookie: 303 to /login
3. ``GET  /realms/bench/login``: the password page (post/redirect/get)
4. ``POST /realms/bench/login/password`` CSRF field and cookie: 303 to the redirect URI with the code
5. ``POST /realms/bench/oauth/token`` authorization_code with the PKCE verifier (client_secret_basic):
   access, ID and refresh tokens; the ID token's nonce and audience are checked

Each login uses its own cookies and a different user. In the same run, the argon2id verify rate of
the stored hashes (the server's settings) is measured in a separate process pinned to the server's
core, before and after the logins; the report gives logins/s, verifies/s and their ratio (target
>= 0.85: a login should cost little more than its password hash).

Run: ``.venv/bin/python bench/password_login.py`` (``--quick`` for a smoke run). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import http.cookiejar
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from _common import (
    FORM,
    HERE,
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
    cores,
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
    start_tenantry,
    transactions_split,
    versions,
    wait_ready,
)

from tenantry.config import Settings

TARGET = 0.85
"""Logins per second per core divided by argon2id verifies per second per core must be at least this."""
STEPS = ("authorize", "identifier", "login page", "password", "token")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SCOPE = "openid email"
REDIRECT_URI = "http://127.0.0.1/bench/callback"
"""The application's callback; the load generator plays the application, so nothing listens there."""


# ---------------------------------------------------------------- argon2id alone


def argon2_rate(seconds: float) -> None:
    """(Child process, pinned by the parent.) Verify the stored hash in a loop; print one JSON line."""
    from argon2 import PasswordHasher
    from argon2.exceptions import VerifyMismatchError

    stored, password = os.environ["BENCH_ARGON2_HASH"], os.environ["BENCH_ARGON2_PASSWORD"]
    argon2 = PasswordHasher()  # verify reads the parameters from the stored hash
    argon2.verify(stored, password)
    with suppress(VerifyMismatchError):
        argon2.verify(stored, password + "!")
    count, started, cpu = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - started) < seconds:
        argon2.verify(stored, password)
        count += 1
    print(json.dumps({"verifies": count, "seconds": elapsed, "cpu_s": time.process_time() - cpu}))


@dataclass
class Argon2Run:
    label: str
    verifies: int
    seconds: float
    cpu_s: float
    core_busy: dict[int, float]

    @property
    def rate(self) -> float:
        return self.verifies / self.seconds if self.seconds else 0.0


def measure_argon2(label: str, deployment: WebDeployment, cpu: int, seconds: float, env: dict[str, str]) -> Argon2Run:
    """argon2id verifies of the stored hash, one thread in its own process pinned to ``cpu``."""
    child_env = {**env, "BENCH_ARGON2_HASH": deployment.password_hash, "BENCH_ARGON2_PASSWORD": PASSWORD}
    command = ["taskset", "-c", str(cpu), sys.executable, str(Path(__file__).resolve()), "--argon2-rate", str(seconds)]
    before = cores()
    done = subprocess.run(
        command, env=child_env, cwd=HERE.parent, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    after = cores()
    if done.returncode != 0:
        raise SystemExit(f"the argon2id measurement failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    busy = {core: (after[core][0] - b) / max(1, after[core][1] - t) for core, (b, t) in before.items() if core in after}
    return Argon2Run(label, int(figures["verifies"]), float(figures["seconds"]), float(figures["cpu_s"]), busy)


def argon2_parameters(password_hash: str) -> str:
    """``argon2id m=19456,t=2,p=1`` from ``$argon2id$v=19$m=19456,t=2,p=1$salt$hash``."""
    parts = password_hash.split("$")
    return f"{parts[1]} {parts[3]}" if len(parts) > 3 else "?"


# ---------------------------------------------------------------- one login, as a browser and its application


class NoCookies(http.cookiejar.CookieJar):
    """The shared client keeps no cookies: each login carries its own, by hand (a fresh browser each time)."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None


class LoginFailed(Exception):
    def __init__(self, step: str, response: httpx.Response | None, why: str):
        status = str(response.status_code) if response is not None else "-"
        body = re.sub(r"\s+", " ", response.text[:300]) if response is not None else ""
        super().__init__(f"{step}: {why} (status {status}) {body}")
        self.step = step
        self.status = status


def take_cookies(response: httpx.Response, jar: dict[str, str]) -> None:
    for header in response.headers.get_list("set-cookie"):
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        if "max-age=0" in attributes.lower().replace(" ", "") or not value.strip('"'):
            jar.pop(name, None)
        else:
            jar[name] = value


def cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in jar.items())}


@dataclass
class Flow:
    base_url: str
    client_id: str
    redirect_uri: str
    authorization: str
    issuer: str
    users: list[tuple[str, str]]
    next_user: int = 0

    def user(self) -> tuple[str, str]:
        user = self.users[self.next_user % len(self.users)]
        self.next_user += 1
        return user


def _csrf(response: httpx.Response, step: str) -> str:
    found = CSRF.search(response.text)
    if found is None:
        raise LoginFailed(step, response, "no CSRF field in the page")
    return found.group(1)


async def login(client: httpx.AsyncClient, flow: Flow) -> list[float]:
    """One complete login; returns each step's seconds, or raises LoginFailed."""
    user_id, email = flow.user()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    jar: dict[str, str] = {}
    times: list[float] = []
    base = f"/realms/{REALM}"
    query = {
        "client_id": flow.client_id,
        "redirect_uri": flow.redirect_uri,
        "response_type": "code",
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }

    started = time.perf_counter()
    page = await client.get(f"{base}/oauth/authorize?{urlencode(query)}")
    if page.status_code != 200 or 'name="email"' not in page.text:
        raise LoginFailed("authorize", page, "expected the identifier page")
    take_cookies(page, jar)
    times.append(time.perf_counter() - started)

    started = time.perf_counter()
    form = urlencode({"csrf": _csrf(page, "authorize"), "email": email})
    answer = await client.post(
        f"{base}/login/identifier", content=form, headers={"Content-Type": FORM, **cookie_header(jar)}
    )
    if answer.status_code != 303 or answer.headers.get("location") != f"{base}/login":
        raise LoginFailed("identifier", answer, f"expected 303 to {base}/login")
    take_cookies(answer, jar)
    times.append(time.perf_counter() - started)

    started = time.perf_counter()
    page = await client.get(f"{base}/login", headers=cookie_header(jar))
    if page.status_code != 200 or 'name="password"' not in page.text:
        raise LoginFailed("login page", page, "expected the password page")
    times.append(time.perf_counter() - started)

    started = time.perf_counter()
    form = urlencode({"csrf": _csrf(page, "login page"), "password": PASSWORD})
    answer = await client.post(
        f"{base}/login/password", content=form, headers={"Content-Type": FORM, **cookie_header(jar)}
    )
    location = answer.headers.get("location", "")
    if answer.status_code != 303 or not location.startswith(flow.redirect_uri + "?"):
        raise LoginFailed("password", answer, "expected 303 to the redirect URI")
    take_cookies(answer, jar)
    times.append(time.perf_counter() - started)

    # The redirect URI is the application's callback: it checks state and iss and redeems the code.
    back = parse_qs(urlsplit(location).query)
    if back.get("state") != [state] or back.get("iss") != [flow.issuer] or not back.get("code"):
        raise LoginFailed("password", answer, f"bad redirect {location[:200]}")
    started = time.perf_counter()
    form = urlencode(
        {
            "grant_type": "authorization_code",
            "code": back["code"][0],
            "redirect_uri": flow.redirect_uri,
            "code_verifier": verifier,
        }
    )
    answer = await client.post(
        f"{base}/oauth/token", content=form, headers={"Content-Type": FORM, "Authorization": flow.authorization}
    )
    if answer.status_code != 200:
        raise LoginFailed("token", answer, "expected 200")
    tokens = answer.json()
    if not all(tokens.get(name) for name in ("access_token", "id_token", "refresh_token")):
        raise LoginFailed("token", answer, "expected access, ID and refresh tokens")
    _, claims = jwt_parts(tokens["id_token"])
    if claims.get("nonce") != nonce or claims.get("aud") != flow.client_id or claims.get("sub") != user_id:
        raise LoginFailed("token", answer, f"unexpected ID token claims {claims}")
    times.append(time.perf_counter() - started)
    return times


# ---------------------------------------------------------------- the load


@dataclass
class Completed:
    at: float
    steps: list[float]


@dataclass
class Load:
    """What the workers did: completed logins with their end times, and failures by step and status."""

    completed: list[Completed] = field(default_factory=list)
    failures: list[tuple[float, str, str]] = field(default_factory=list)
    first_failure: str = ""


async def worker(client: httpx.AsyncClient, flow: Flow, load: Load, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            steps = await login(client, flow)
        except LoginFailed as failed:
            load.failures.append((time.perf_counter(), failed.step, failed.status))
            load.first_failure = load.first_failure or str(failed)
            continue
        except httpx.HTTPError as error:
            load.failures.append((time.perf_counter(), "socket", type(error).__name__))
            load.first_failure = load.first_failure or f"{type(error).__name__}: {error}"
            continue
        load.completed.append(Completed(time.perf_counter(), steps))


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


async def drive(
    args: argparse.Namespace, flow: Flow, server: Server, database: Database
) -> tuple[Run, dict[str, float], Profile | None, float]:
    """``--concurrency`` logins at a time: warm-up, then the measured window with its CPU accounting."""
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    load, stop = Load(), asyncio.Event()
    async with httpx.AsyncClient(
        base_url=server.base_url, cookies=NoCookies(), limits=limits, timeout=60, follow_redirects=False
    ) as client:
        workers = [asyncio.create_task(worker(client, flow, load, stop)) for _ in range(args.concurrency)]
        try:
            await asyncio.sleep(args.warmup)
            accounting = await asyncio.to_thread(Accounting, server.process.pid, database)
            client_cpu = time.process_time()
            opened = time.perf_counter()
            profile = Profile(args.profile, server.process.pid, args.seconds, args.client_cpu) if args.profile else None
            await asyncio.sleep(args.seconds)
            closed = time.perf_counter()
            client_cpu = time.process_time() - client_cpu
            run = Run("password logins", 0, closed - opened, 0, 0, 0, 0, 0, {})
            await asyncio.to_thread(accounting.finish, run)
            if profile is not None:
                await asyncio.to_thread(profile.wait)
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*workers, return_exceptions=True), timeout=120)
    window = [done for done in load.completed if opened <= done.at < closed]
    latencies = [sum(done.steps) * 1000 for done in window]
    run.requests = len(window)
    run.p50_ms, run.p90_ms = percentile(latencies, 50), percentile(latencies, 90)
    run.p99_ms, run.max_ms = percentile(latencies, 99), max(latencies, default=0.0)
    failed = [(step, status) for at, step, status in load.failures if opened <= at < closed]
    run.bad = len(failed)
    run.statuses = dict(Counter(f"{step} {status}" for step, status in failed))
    run.sample = load.first_failure
    outside = len(load.failures) - len(failed)
    if outside:
        run.statuses["outside the measured window"] = outside
    steps = {name: percentile([done.steps[i] * 1000 for done in window], 50) for i, name in enumerate(STEPS)}
    return run, steps, profile, client_cpu


# ---------------------------------------------------------------- report


def report(
    args: argparse.Namespace,
    run: Run,
    steps: dict[str, float],
    argon2: list[Argon2Run],
    deployment: WebDeployment,
    throttle: str,
    client_cpu_s: float,
) -> bool:
    server_cpu, client_cpu = args.server_cpu, args.client_cpu
    print()
    print(
        f"server: one process pinned to core {server_cpu}; load: {args.concurrency} concurrent logins from one asyncio"
        f" httpx client pinned to core {client_cpu}; {args.seconds:.0f} s measured after {args.warmup:.0f} s of"
        f" warm-up; {len(deployment.users):,} users, each login a different one (a fresh cookie jar each)"
    )
    print(
        f"{'':<24}{'per s':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'max ms':>8}{'errors':>8}"
        + resource_header(server_cpu, client_cpu, "login")
    )
    print(
        f"{'password logins':<24}{run.rate:>8,.1f}{ms(run.p50_ms):>8}{ms(run.p90_ms):>8}{ms(run.p99_ms):>8}"
        f"{ms(run.max_ms):>8}{run.errors:>8,}" + resource_cells(run, server_cpu, client_cpu, "login")
    )
    for measured in argon2:
        cpu = measured.cpu_s / measured.seconds if measured.seconds else 0.0
        print(
            f"{measured.label:<24}{measured.rate:>8,.1f}{'':>8}{'':>8}{'':>8}{'':>8}{'':>8}"
            f"{cpu:>11.0%} {measured.verifies / measured.cpu_s if measured.cpu_s else 0:>10,.1f}"
            f"{measured.core_busy.get(server_cpu, 0):>8.0%}{measured.core_busy.get(client_cpu, 0):>8.0%}"
        )
    print(
        "  p50 per step, ms: "
        + ", ".join(f"{name} {ms(value)}" for name, value in steps.items())
        + " (at this concurrency, so including queueing)"
    )
    verifies = sum(m.rate for m in argon2) / len(argon2) if argon2 else 0.0
    verify_cpu_s = sum(m.cpu_s for m in argon2) / max(1, sum(m.verifies for m in argon2))
    if run.requests and run.server_cpu_s and verify_cpu_s:
        per_login = run.server_cpu_s / run.requests * 1000
        hashing = verify_cpu_s * 1000
        print(
            f"  server CPU per login: {per_login:.1f} ms, of which one argon2id verify ~{hashing:.1f} ms and"
            f" ~{per_login - hashing:.1f} ms everything else (5 HTTP requests,"
            f" {(run.transactions or 0) / run.requests:.1f} PostgreSQL transactions"
            f" ({transactions_split(run, deployment)}), templates, cookies, tokens)"
        )
    print(
        f"  load generator (this process): {client_cpu_s / run.seconds:.0%} of core {client_cpu},"
        f" {client_cpu_s / max(1, run.requests) * 1000:.1f} ms CPU per login"
    )
    print("  per s: completed logins per second (all five steps), which is per core: the server is one process")
    print("  p50..max ms: one whole login, first request to tokens")
    print(
        "  argon2id (before/after): verifies per second of a stored hash"
        f" ({argon2_parameters(deployment.password_hash)}, the server's settings) in one thread of a separate"
        " process pinned to the server's core while the server idles"
    )
    print("    (its server CPU: that process's share of the core; per CPU-s: its verifies per CPU-second)")
    for line in resource_legend(args, "login", "login"):
        print(f"  {line}")
    print(f"  S6 brute-force protection: {throttle}")
    if run.errors or run.statuses:
        print(f"  ERRORS: {run.bad:,} failed logins in the measured window {run.statuses}")
    if run.sample:
        print(f"    first failure: {run.sample}")
    note = low_cpu_note("Tenantry", run)
    if note:
        print(f"  {note}")

    ratio = run.rate / verifies if verifies else 0.0
    met = ratio >= TARGET
    per_cpu = run.requests / run.server_cpu_s if run.server_cpu_s else 0.0
    print()
    print(
        f"password logins per core: {run.rate:,.1f}/s; argon2id verifies per core: {verifies:,.1f}/s"
        f" (mean of {len(argon2)}); ratio {ratio:.2f} (target >= {TARGET:.2f}): {'MET' if met else 'NOT MET'}"
    )
    if verify_cpu_s:
        print(
            f"per CPU-second (less sensitive to a busy machine): {per_cpu:,.1f} logins, {1 / verify_cpu_s:,.1f}"
            f" verifies, ratio {per_cpu * verify_cpu_s:.2f}"
        )
    print(f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return met


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=None, help="seconds measured (20; --quick: 5)")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of untimed logins first (5; --quick: 2)")
    parser.add_argument("--concurrency", type=int, default=32, help="logins in flight at once (32)")
    parser.add_argument("--users", type=int, default=None, help="seeded users (1000; --quick: 300)")
    parser.add_argument(
        "--argon2-seconds", type=float, default=None, help="seconds of each argon2id measurement (5; --quick: 2)"
    )
    parser.add_argument(
        "--redis-url",
        default=None,
        help="TENANTRY_REDIS_URL for the brute-force counters (unset: the control-plane database, the default)",
    )
    add_server_arguments(parser, "the load generator")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="record the server with py-spy during the measured run into this file",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 s after 2 s of warm-up, 300 users")
    parser.add_argument("--argon2-rate", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.argon2_rate is not None:
        return args
    defaults = {"seconds": (5.0, 20.0), "warmup": (2.0, 5.0), "users": (300, 1000), "argon2_seconds": (2.0, 5.0)}
    for name, (quick, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.seconds < 1 or args.warmup < 0 or args.concurrency < 1 or args.users < 1 or args.argon2_seconds <= 0:
        parser.error("need --seconds >= 1, --warmup >= 0, --concurrency >= 1, --users >= 1, --argon2-seconds > 0")
    check_server_arguments(parser, args)
    return args


def throttle_note(settings: Settings, redis_url: str | None) -> str:
    store = "Redis" if redis_url else "the control-plane database"
    return (
        f"the product's limits ({settings.throttle_max_failures_per_account_ip} failures per account and IP,"
        f" {settings.throttle_max_failures_per_ip} per IP; counters in {store}); only failed password checks count"
        " and every login here succeeds, so no limit needed raising (the check and the success still run on every"
        " login); a benchmark of failing logins would raise TENANTRY_THROTTLE_MAX_FAILURES_PER_IP and"
        " TENANTRY_THROTTLE_MAX_FAILURES_PER_ACCOUNT_IP or set TENANTRY_THROTTLE_EXEMPT_CIDRS='[\"127.0.0.0/8\"]'"
    )


def check_one(flow: Flow, server: Server) -> None:
    """One login by hand before the load, printing each step's time."""

    async def once() -> None:
        async with httpx.AsyncClient(base_url=server.base_url, cookies=NoCookies(), follow_redirects=False) as client:
            times = await login(client, flow)
        print(
            "one login by hand before the load: "
            + ", ".join(f"{n} {t * 1000:.0f} ms" for n, t in zip(STEPS, times, strict=True))
        )

    try:
        asyncio.run(once())
    except LoginFailed as failed:
        raise SystemExit(f"the login by hand failed: {failed}\n{server.log_tail()}") from failed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.argon2_rate is not None:
        argon2_rate(args.argon2_rate)
        return 0
    started = time.perf_counter()
    url = args.postgres_url
    print(versions(url))
    os.sched_setaffinity(0, {args.client_cpu})  # this process is the load generator; its threads inherit it
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server: Server | None = None
    deployment: WebDeployment | None = None
    errors = 0
    with tempfile.TemporaryDirectory(prefix="tenantry-bench-login-") as tmp:
        work = Path(tmp)
        runtime = new_runtime(url, "bench_login", work / "data", base_url)
        control_db = control_database(runtime)
        settings = runtime.settings
        try:
            seeding = time.perf_counter()
            deployment = asyncio.run(_deploy(runtime, args.users, REDIRECT_URI))
            print(
                f"throwaway databases {deployment.control_db}, {deployment.plane_db}; realm {REALM}, application"
                f" bench-web (confidential, code + refresh), {len(deployment.users):,} users seeded in"
                f" {time.perf_counter() - seeding:.1f} s; password hashes {argon2_parameters(deployment.password_hash)}"
            )
            extra = {"TENANTRY_REDIS_URL": args.redis_url} if args.redis_url else {}
            if args.redis_url:
                extra["TENANTRY_REDIS_PREFIX"] = f"bench-{secrets.token_hex(4)}:"
            server = start_tenantry(args, deployment, work, port, extra)
            wait_ready(server, f"/realms/{REALM}/.well-known/openid-configuration")
            flow = Flow(
                base_url,
                deployment.client_id,
                deployment.redirect_uri,
                basic(deployment.client_id, deployment.client_secret),
                f"{base_url}/realms/{REALM}",
                deployment.users,
            )
            check_one(flow, server)
            env = {**os.environ, **extra}
            argon2 = [measure_argon2("argon2id (before)", deployment, args.server_cpu, args.argon2_seconds, env)]
            print(
                f"argon2id alone on core {args.server_cpu}: {argon2[0].rate:,.1f} verifies/s;"
                f" logins: {args.warmup:.0f} s warm-up, {args.seconds:.0f} s measured,"
                f" {args.concurrency} at a time ...",
                flush=True,
            )
            database = Database(url, (deployment.control_db, deployment.plane_db))
            with pinned_backends(database, args.db_cpu):
                run, steps, profile, client_cpu = asyncio.run(drive(args, flow, server, database))
            if server.process.poll() is not None:
                raise SystemExit(f"Tenantry exited during the run:\n{server.log_tail()}")
            argon2.append(measure_argon2("argon2id (after)", deployment, args.server_cpu, args.argon2_seconds, env))
            report(args, run, steps, argon2, deployment, throttle_note(settings, args.redis_url), client_cpu)
            if profile is not None:
                print("\n".join(profile.summary()))
            errors = run.errors + run.statuses.get("outside the measured window", 0)
        finally:
            if server is not None:
                server.stop()
            if args.keep:
                print(kept(control_db, deployment, port))
            else:
                with suppress(Exception):
                    drop_deployment(url, control_db)
    print(f"total {time.perf_counter() - started:.0f} s")
    if errors:
        print(f"FAILED: {errors:,} logins did not complete (see ERRORS above)")
        return 1
    return 0


async def _deploy(runtime: Any, users: int, redirect_uri: str) -> WebDeployment:
    try:
        return await deploy_web(runtime, users, redirect_uri)
    finally:
        await runtime.close()


if __name__ == "__main__":
    sys.exit(main())
