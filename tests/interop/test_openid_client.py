"""openid-client (npm, v6) as an independent relying party against a running Tenantry server.

A real server runs as a subprocess (uvicorn; SQLite, and PostgreSQL where reachable) and is seeded
through the admin API. ``rp/rp.mjs`` performs one openid-client operation per run; the hosted login
pages in between are driven with httpx as a browser would, and the redirect to the client's
callback is taken instead of followed. Each test asserts on what openid-client accepted, returned
or refused; on a failure the message carries Node's stderr and the end of the server's log.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.support.databases import _drop_databases
from tests.support.environment import POSTGRES_URL, in_ci

pytestmark = pytest.mark.interop

RP_DIR = Path(__file__).resolve().parent / "rp"
RP_SCRIPT = RP_DIR / "rp.mjs"
BIN = Path(sys.executable).parent
REALM = "interop"
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
"""The same scrape as tests/integration/test_hosted_login.py."""
FAST_HASHING = {
    "TENANTRY_ARGON2_TIME_COST": "1",
    "TENANTRY_ARGON2_MEMORY_KIB": "1024",
    "TENANTRY_ARGON2_PARALLELISM": "1",
}
NODE_TIMEOUT = 60


# --- the relying party's dependencies -------------------------------------------------------------


@pytest.fixture(scope="session")
def openid_client() -> Path:
    """``npm install`` in rp/ once, when node_modules is missing; under CI=true a failure fails."""
    if (RP_DIR / "node_modules" / "openid-client" / "package.json").is_file():
        return RP_DIR
    npm = shutil.which("npm")
    problem = None
    if npm is None:
        problem = "npm is not on PATH"
    else:
        try:
            result = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund"],
                cwd=RP_DIR,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            problem = f"`npm install` in {RP_DIR} did not finish ({type(exc).__name__}: {exc})"
        else:
            if result.returncode != 0:
                problem = f"`npm install` in {RP_DIR} failed (exit {result.returncode}):\n{result.stderr[-3000:]}"
    if problem is not None:
        if in_ci():
            pytest.fail(f"openid-client could not be installed: {problem}")
        pytest.skip(f"openid-client could not be installed: {problem}")
    return RP_DIR


# --- a running server -----------------------------------------------------------------------------


@dataclass
class Server:
    base_url: str
    env: dict[str, str]
    log: Path
    operator_token: str = ""
    process: subprocess.Popen[bytes] | None = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_env(data_dir: Path, base_url: str, database_url: str | None) -> dict[str, str]:
    """The caller's environment without its TENANTRY_* settings, plus this deployment's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_") or k.startswith("TENANTRY_TEST_")}
    env.update(
        TENANTRY_DATA_DIR=str(data_dir),
        TENANTRY_BASE_URL=base_url,
        TENANTRY_LOG_LEVEL="warning",
        TENANTRY_DOMAIN_RECHECK_SECONDS="0",
        **FAST_HASHING,
    )
    if database_url is not None:
        env["TENANTRY_DATABASE_URL"] = database_url
    return env


def _tenantry(server: Server, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "tenantry"), *args], env=server.env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, f"`tenantry {' '.join(args)}` failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _start(server: Server, port: int) -> None:
    command = [
        sys.executable,
        *("-m", "uvicorn", "tenantry.web.app:create_app", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
    ]
    with server.log.open("ab") as log:
        server.process = subprocess.Popen(command, env=server.env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer /healthz within 60 s:\n{server.log_tail()}")


def _stop(server: Server) -> None:
    if server.process is None or server.process.poll() is not None:
        return
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=15)


@pytest.fixture(
    scope="module",
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)],
)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, openid_client: Path):
    """``tenantry migrate``, an operator token from the CLI, then uvicorn until the module is done."""
    backend = str(request.param)
    data_dir = tmp_path_factory.mktemp(f"interop-{backend}")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    prefix = f"ti_{secrets.token_hex(5)}" if backend == "postgres" else None
    database_url = make_url(POSTGRES_URL).set(database=prefix).render_as_string(hide_password=False) if prefix else None
    running = Server(base_url, _server_env(data_dir, base_url, database_url), data_dir / "server.log")
    try:
        _tenantry(running, "migrate")
        minted = json.loads(_tenantry(running, "operator", "token", "create", "--name", "interop", "--json"))
        running.operator_token = minted["secret"]
        _start(running, port)
        yield running
    finally:
        _stop(running)
        if prefix:
            _drop_databases(prefix)


# --- the realm the relying party signs in to ------------------------------------------------------


@dataclass(frozen=True)
class World:
    server: Server
    issuer: str
    redirect_uri: str
    clients: dict[str, dict[str, Any]]
    """name → {"client_id", "client_secret", and rp.mjs options such as "client_auth" and "metadata"}."""
    users: dict[str, str]
    """email → user id."""
    orgs: dict[str, str]
    """name → organization id."""

    def _node(self, op: str, client: str, fields: dict[str, Any]) -> tuple[dict[str, Any], str]:
        payload = {"op": op, "issuer": self.issuer, **self.clients[client], **fields}
        try:
            result = subprocess.run(
                ["node", str(RP_SCRIPT)],
                input=json.dumps(payload),
                cwd=RP_DIR,
                capture_output=True,
                text=True,
                timeout=NODE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"rp.mjs {op} did not finish in {NODE_TIMEOUT} s; stderr:\n{exc.stderr}")
        lines = result.stdout.strip().splitlines()
        try:
            answer = json.loads(lines[-1]) if lines else None
        except ValueError:
            answer = None
        if result.returncode not in (0, 1) or not isinstance(answer, dict):
            pytest.fail(
                f"rp.mjs {op} crashed (exit {result.returncode})\n--- stdout ---\n{result.stdout}"
                f"\n--- node stderr ---\n{result.stderr}\n--- server log ---\n{self.server.log_tail()}"
            )
        return answer, result.stderr

    def rp(self, op: str, client: str = "web", **fields: Any) -> dict[str, Any]:
        """One openid-client operation that must succeed; its result."""
        answer, stderr = self._node(op, client, fields)
        assert answer["ok"], (
            f"openid-client {op} refused: {json.dumps(answer['error'], indent=2)}"
            f"\n--- node stderr ---\n{stderr}\n--- server log ---\n{self.server.log_tail()}"
        )
        return answer["result"]

    def rp_refused(self, op: str, client: str = "web", **fields: Any) -> dict[str, Any]:
        """One openid-client operation that must fail; the error openid-client raised."""
        answer, stderr = self._node(op, client, fields)
        assert not answer["ok"], (
            f"openid-client {op} unexpectedly succeeded: {json.dumps(answer['result'])}\n--- node stderr ---\n{stderr}"
        )
        return answer["error"]


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    """Two organizations accepting the connection; bob in one, alice in two; a web app and a worker."""
    redirect_uri = f"{server.base_url}/cb"
    token = server.operator_token
    api = f"/api/v1/realms/{REALM}"
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as admin:
        _created(admin.post("/api/v1/realms", json={"name": REALM, "display_name": "Interop"}))
        _created(admin.post(f"{api}/connections", json={"name": "members"}))
        _created(admin.post(f"{api}/roles", json={"name": "admin", "permissions": ["org:manage", "members:manage"]}))
        _created(admin.post(f"{api}/roles", json={"name": "member", "permissions": ["org:read"]}))
        orgs = {}
        for name in ("acme", "globex"):
            orgs[name] = _created(
                admin.post(f"{api}/organizations", json={"name": name, "display_name": name.title()})
            )["id"]
            _created(admin.post(f"{api}/organizations/{name}/connections", json={"connection": "members"}))
        users = {}
        for email, name in (("bob@example.com", "Bob"), ("alice@example.com", "Alice")):
            body = {"email": email, "password": PASSWORD, "connection": "members", "name": name, "email_verified": True}
            users[email] = _created(admin.post(f"{api}/users", json=body))["id"]
        memberships = (("acme", "bob@example.com", "admin"), ("acme", "alice@example.com", "member"))
        memberships += (("globex", "alice@example.com", "admin"),)
        for org, email, role in memberships:
            body = {"user_id": users[email], "roles": [role]}
            _created(admin.post(f"{api}/organizations/{org}/members", json=body))
        web = {
            "redirect_uris": [redirect_uri],
            "post_logout_redirect_uris": [f"{server.base_url}/signed-out"],
            "grant_types": ["authorization_code", "refresh_token"],
            "organization_usage": "allow",
            "organization_prompt": "after_login",
        }
        apps = {
            "web": _created(admin.post(f"{api}/applications", json={"name": "web", **web})),
            "web-es256": _created(
                admin.post(
                    f"{api}/applications", json={"name": "web-es256", **web, "id_token_signed_response_alg": "ES256"}
                )
            ),
            "spa": _created(admin.post(f"{api}/applications", json={"name": "spa", "public": True, **web})),
            "worker": _created(
                admin.post(
                    f"{api}/applications",
                    json={
                        "name": "worker",
                        "grant_types": ["client_credentials"],
                        "organization_usage": "allow",
                        "organization_ids": [orgs["acme"]],
                    },
                )
            ),
        }
    clients: dict[str, dict[str, Any]] = {
        name: {"client_id": app["client_id"], "client_secret": app.get("client_secret")} for name, app in apps.items()
    }
    clients["spa"] = {"client_id": apps["spa"]["client_id"], "client_auth": "none"}
    clients["web-es256"].update(client_auth="client_secret_post", metadata={"id_token_signed_response_alg": "ES256"})
    return World(server, f"{server.base_url}/realms/{REALM}", redirect_uri, clients, users, orgs)


# --- the hosted login, driven as a browser would --------------------------------------------------


def _submit(browser: httpx.Client, world: World, step: str, page: httpx.Response, **fields: str) -> httpx.Response:
    found = CSRF.search(page.text)
    assert found, f"no csrf field on the page before /login/{step} ({page.status_code}):\n{page.text[:2000]}"
    url = f"{world.server.base_url}/realms/{REALM}/login/{step}"
    response = browser.post(url, data={"csrf": found.group(1), **fields})
    assert response.status_code == 303, f"POST /login/{step}: {response.status_code}\n{response.text[:2000]}"
    return response


def _follow(browser: httpx.Client, world: World, response: httpx.Response) -> httpx.Response:
    location = response.headers["location"]
    assert location.startswith("/"), f"expected a page of the login, got a redirect to {location}"
    page = browser.get(world.server.base_url + location)
    assert page.status_code == 200, f"GET {location}: {page.status_code}\n{page.text[:2000]}"
    return page


@dataclass(frozen=True)
class Flow:
    """What the relying party kept between building the authorization URL and its callback."""

    client: str
    url: str
    verifier: str
    state: str
    nonce: str
    callback_url: str
    picker: str | None
    """The organization picker's HTML, when it was shown."""
    cookies: httpx.Cookies
    """The browser's cookies after the login (the session)."""


def sign_in(
    world: World, email: str, *, client: str = "web", pick: str | None = None, parameters: dict[str, str] | None = None
) -> Flow:
    """openid-client builds the request; the user signs in (and picks ``pick``); the redirect is taken."""
    auth = world.rp("authorization-url", client, redirect_uri=world.redirect_uri, parameters=parameters or {})
    with httpx.Client(timeout=30) as browser:
        page = browser.get(auth["url"])
        assert page.status_code == 200, f"GET {auth['url']}: {page.status_code}\n{page.text[:2000]}"
        password_page = _follow(browser, world, _submit(browser, world, "identifier", page, email=email))
        done = _submit(browser, world, "password", password_page, password=PASSWORD)
        picker = None
        if pick is not None:
            picker_page = _follow(browser, world, done)
            picker = picker_page.text
            done = _submit(browser, world, "organization", picker_page, organization_id=world.orgs[pick])
        cookies = httpx.Cookies(browser.cookies)
    callback_url = done.headers["location"]
    assert callback_url.startswith(world.redirect_uri + "?"), f"expected the client's callback, got {callback_url}"
    return Flow(client, auth["url"], auth["verifier"], auth["state"], auth["nonce"], callback_url, picker, cookies)


def callback(world: World, flow: Flow, **overrides: str) -> dict[str, Any]:
    """openid-client's authorizationCodeGrant: iss, state, PKCE, the code exchange, the ID token."""
    fields = {"callback_url": flow.callback_url, "verifier": flow.verifier, "state": flow.state, "nonce": flow.nonce}
    return world.rp("callback", flow.client, **{**fields, **overrides})


def _checks(flow: Flow | dict[str, Any]) -> dict[str, str]:
    """What the relying party kept for its callback: from a Flow or an ``authorization-url`` result."""
    names = ("verifier", "state", "nonce")
    return {name: flow[name] if isinstance(flow, dict) else getattr(flow, name) for name in names}


def jwt_part(token: str, index: int) -> dict[str, Any]:
    """A JWT's header (0) or payload (1), unverified: openid-client verified what it had to."""
    segment = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


# --- the tests ------------------------------------------------------------------------------------


def test_discovery_gives_the_realm_issuer_and_its_endpoints(world):
    metadata = world.rp("discover")["metadata"]
    assert metadata["issuer"] == world.issuer
    for endpoint in ("authorization", "token", "userinfo", "revocation", "introspection", "end_session"):
        assert metadata[f"{endpoint}_endpoint"].startswith(world.issuer + "/oauth/")
    assert metadata["jwks_uri"] == f"{world.issuer}/.well-known/jwks.json"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True


def test_the_authorization_url_carries_pkce_state_and_nonce(world):
    auth = world.rp("authorization-url", redirect_uri=world.redirect_uri)
    url = urlsplit(auth["url"])
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{world.issuer}/oauth/authorize"
    assert query["client_id"] == world.clients["web"]["client_id"] and query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert (query["state"], query["nonce"]) == (auth["state"], auth["nonce"])


@pytest.mark.parametrize(("client", "alg"), [("web", "RS256"), ("web-es256", "ES256"), ("spa", "RS256")])
def test_code_flow_with_pkce_state_nonce_and_a_validated_id_token(world, client, alg):
    flow = sign_in(world, "bob@example.com", client=client)
    query = parse_qs(urlsplit(flow.callback_url).query)
    assert query["iss"] == [world.issuer] and query["state"] == [flow.state], "RFC 9207 iss and the state come back"

    result = callback(world, flow)

    response, claims = result["response"], result["claims"]
    assert response["token_type"].lower() == "bearer" and response["access_token"] and response["refresh_token"]
    assert jwt_part(response["id_token"], 0)["alg"] == alg
    assert claims["iss"] == world.issuer and claims["aud"] == world.clients[client]["client_id"]
    assert claims["sub"] == world.users["bob@example.com"] and claims["nonce"] == flow.nonce
    assert claims["org_id"] == world.orgs["acme"] and claims["roles"] == ["admin"]
    assert claims["email"] == "bob@example.com" and isinstance(claims["auth_time"], int)
    assert 0 < result["expires_in"] <= 900
    access = jwt_part(response["access_token"], 1)
    assert (access["sub"], access["org_id"], access["client_id"]) == (
        claims["sub"],
        world.orgs["acme"],
        world.clients[client]["client_id"],
    )


def test_the_rp_refuses_a_callback_whose_iss_or_state_was_changed(world):
    """openid-client checks what the server sent (RFC 9207 iss, state) before it spends the code."""
    flow = sign_in(world, "bob@example.com")
    forged_iss = flow.callback_url.replace("iss=", "iss=x", 1)
    wrong_iss = world.rp_refused("callback", **{**_checks(flow), "callback_url": forged_iss})
    wrong_state = world.rp_refused("callback", **{**_checks(flow), "callback_url": flow.callback_url, "state": "x"})

    assert wrong_iss["code"] == "OAUTH_INVALID_RESPONSE" and '"iss"' in wrong_iss["reason"], wrong_iss
    assert wrong_state["code"] == "OAUTH_INVALID_RESPONSE" and '"state"' in wrong_state["reason"], wrong_state
    assert callback(world, flow)["claims"]["sub"] == world.users["bob@example.com"], "the code was not spent"


def test_the_organization_picker_puts_the_chosen_organization_in_the_tokens(world):
    flow = sign_in(world, "alice@example.com", pick="globex")
    assert flow.picker is not None and "Acme" in flow.picker and "Globex" in flow.picker

    claims = callback(world, flow)["claims"]

    assert claims["sub"] == world.users["alice@example.com"]
    assert claims["org_id"] == world.orgs["globex"] and claims["roles"] == ["admin"]


def test_a_code_is_good_once_and_its_replay_ends_what_it_produced(world):
    """RFC 6749 4.1.2: a second use is refused, and the tokens of the first should be revoked."""
    flow = sign_in(world, "bob@example.com")
    first = callback(world, flow)["response"]

    replay = world.rp_refused("callback", callback_url=flow.callback_url, **_checks(flow))

    assert replay["error"] == "invalid_grant", replay
    assert world.rp("introspect", token=first["access_token"])["introspection"]["active"] is False
    assert world.rp_refused("refresh", refresh_token=first["refresh_token"])["error"] == "invalid_grant"


def test_a_wrong_code_verifier_is_invalid_grant(world):
    """RFC 7636 4.6: the verifier must match the challenge the code was issued for."""
    flow = sign_in(world, "bob@example.com")

    refused = world.rp_refused("callback", **{**_checks(flow), "callback_url": flow.callback_url, "verifier": "x" * 43})

    assert refused["status"] == 400 and refused["error"] == "invalid_grant", refused


def test_userinfo_answers_for_the_subject_of_the_id_token(world):
    result = callback(world, sign_in(world, "bob@example.com"))
    sub = result["claims"]["sub"]

    info = world.rp("userinfo", access_token=result["response"]["access_token"], expected_sub=sub)["userinfo"]

    assert info["sub"] == sub and info["email"] == "bob@example.com" and info["email_verified"] is True
    assert info["name"] == "Bob"
    assert info["org_id"] == world.orgs["acme"] and info["roles"] == ["admin"]


@pytest.mark.parametrize("client", ["web", "spa"])
def test_refresh_rotates_the_refresh_token_and_keeps_the_organization(world, client):
    first = callback(world, sign_in(world, "bob@example.com", client=client))["response"]

    second = world.rp("refresh", client, refresh_token=first["refresh_token"])["response"]
    third = world.rp("refresh", client, refresh_token=second["refresh_token"])["response"]

    tokens = {first["refresh_token"], second["refresh_token"], third["refresh_token"]}
    assert len(tokens) == 3, "every refresh hands out a new refresh token"
    assert second["access_token"] != first["access_token"]
    access = jwt_part(third["access_token"], 1)
    assert access["sub"] == world.users["bob@example.com"] and access["org_id"] == world.orgs["acme"]
    assert access["gid"] == jwt_part(first["access_token"], 1)["gid"], "the same grant family"


def test_client_credentials_for_a_granted_organization(world):
    result = world.rp("client-credentials", "worker", parameters={"organization": "acme"})

    response = result["response"]
    assert response["token_type"].lower() == "bearer" and "refresh_token" not in response
    access = jwt_part(response["access_token"], 1)
    assert access["org_id"] == world.orgs["acme"]
    assert access["sub"] == access["client_id"] == world.clients["worker"]["client_id"]
    assert access["iss"] == world.issuer
    introspection = world.rp("introspect", "worker", token=response["access_token"])["introspection"]
    assert introspection["active"] is True and introspection["org_id"] == world.orgs["acme"]


def test_client_credentials_for_an_organization_not_granted_is_refused(world):
    refused = world.rp_refused("client-credentials", "worker", parameters={"organization": "globex"})

    assert refused["error"] == "invalid_request" and refused["status"] == 400, refused


def test_introspection_of_a_live_access_token(world):
    result = callback(world, sign_in(world, "bob@example.com"))

    introspection = world.rp("introspect", token=result["response"]["access_token"])["introspection"]

    assert introspection["active"] is True
    assert introspection["sub"] == result["claims"]["sub"]
    assert introspection["client_id"] == world.clients["web"]["client_id"]
    assert introspection["org_id"] == world.orgs["acme"]


def test_revoking_the_refresh_token_ends_the_grant(world):
    result = callback(world, sign_in(world, "bob@example.com"))
    response, sub = result["response"], result["claims"]["sub"]

    assert world.rp("revoke", token=response["refresh_token"]) == {"revoked": True}

    assert world.rp_refused("refresh", refresh_token=response["refresh_token"])["error"] == "invalid_grant"
    assert world.rp("introspect", token=response["access_token"])["introspection"] == {"active": False}
    refused = world.rp_refused("userinfo", access_token=response["access_token"], expected_sub=sub)
    assert refused["status"] == 401, refused


def test_revoking_an_unknown_token_is_not_an_error(world):
    """RFC 7009 2.2: the server answers 200 whatever the token was."""
    assert world.rp("revoke", token="not-a-token-we-issued") == {"revoked": True}


def test_prompt_none_without_a_session_comes_back_as_an_error_the_rp_understands(world):
    """OIDC Core 3.1.2.6: login_required at the redirect URI, with state and RFC 9207 iss."""
    auth = world.rp("authorization-url", redirect_uri=world.redirect_uri, parameters={"prompt": "none"})
    with httpx.Client(timeout=30) as browser:
        answer = browser.get(auth["url"])
    assert answer.status_code in (302, 303), answer.text[:2000]
    callback_url = answer.headers["location"]
    assert callback_url.startswith(world.redirect_uri + "?")

    refused = world.rp_refused("callback", callback_url=callback_url, **_checks(auth))

    assert refused["name"] == "AuthorizationResponseError", refused
    assert refused["error"] == "login_required", refused


def test_max_age_is_answered_with_an_auth_time_the_rp_accepts(world):
    """OIDC Core 3.1.2.1: with max_age the ID token must carry auth_time, and openid-client checks it."""
    flow = sign_in(world, "bob@example.com", parameters={"max_age": "300"})

    claims = callback(world, flow, max_age=300)["claims"]

    assert claims["auth_time"] <= int(time.time()) + 5


def test_revoking_the_access_token_with_a_hint_ends_the_grant(world):
    response = callback(world, sign_in(world, "bob@example.com"))["response"]

    revoked = world.rp("revoke", token=response["access_token"], parameters={"token_type_hint": "access_token"})

    assert revoked == {"revoked": True}
    assert world.rp("introspect", token=response["access_token"])["introspection"] == {"active": False}
    assert world.rp_refused("refresh", refresh_token=response["refresh_token"])["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_invalid_client(world):
    refused = world.rp_refused("refresh", "web", client_secret="not-the-secret", refresh_token="whatever")

    # RFC 6749 5.2: 401 with a challenge for the scheme the client used; openid-client raises on the challenge.
    assert refused["status"] == 401 and refused["code"] == "OAUTH_WWW_AUTHENTICATE_CHALLENGE", refused
    assert [challenge["scheme"] for challenge in refused["cause"]] == ["basic"], refused
    assert refused["body"]["error"] == "invalid_client", refused


def test_rp_initiated_logout_returns_to_the_registered_uri_and_ends_the_tokens(world):
    flow = sign_in(world, "bob@example.com")
    result = callback(world, flow)
    target = f"{world.server.base_url}/signed-out"
    end_session = world.rp(
        "end-session-url",
        parameters={
            "id_token_hint": result["response"]["id_token"],
            "post_logout_redirect_uri": target,
            "state": "bye",
        },
    )["url"]
    assert end_session.startswith(f"{world.issuer}/oauth/logout?")

    with httpx.Client(timeout=30, cookies=flow.cookies) as browser:
        answer = browser.get(end_session)

    assert answer.status_code in (302, 303) and answer.headers["location"] == f"{target}?state=bye", answer.text[:500]
    assert world.rp("introspect", token=result["response"]["access_token"])["introspection"] == {"active": False}


def test_a_live_session_signs_in_again_silently_with_prompt_none(world):
    """OIDC Core 3.1.2.1: prompt=none with a session answers with a code; the new ID token has the new nonce."""
    first = sign_in(world, "bob@example.com")
    before = callback(world, first)["claims"]
    auth = world.rp("authorization-url", redirect_uri=world.redirect_uri, parameters={"prompt": "none"})
    with httpx.Client(timeout=30, cookies=first.cookies) as browser:
        answer = browser.get(auth["url"])
    assert answer.status_code in (302, 303), answer.text[:2000]

    claims = world.rp("callback", callback_url=answer.headers["location"], **_checks(auth))["claims"]

    assert claims["sub"] == before["sub"] and claims["nonce"] == auth["nonce"] != before["nonce"]
    assert claims["auth_time"] == before["auth_time"] and claims["org_id"] == world.orgs["acme"]
