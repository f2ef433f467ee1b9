"""A real Tenantry server, a stand-in application and the system Chromium, for browser tests.

The server is `tenantry migrate` plus uvicorn in a subprocess on a free port, with its own data
directory; it is seeded through the admin API with an operator token from the CLI. The
application's redirect URI is a tiny stdlib HTTP server, so the browser really lands there.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from tenantry.protocols.oauth import pkce

REALM = "alpha"
PASSWORD = "correct horse battery"
VERIFIER = "browser-test-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 800, "height": 700}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def launch_options() -> dict[str, Any]:
    """Debian's Chromium, headless (Playwright cannot download its own browser here)."""
    return {"executable_path": shutil.which("chromium"), "headless": True, "args": CHROMIUM_ARGS}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Site:
    """What the tests need to know about the running deployment."""

    base_url: str
    callback: str
    client_id: str
    client_secret: str
    users: dict[str, str] = field(default_factory=dict)

    def authorize_url(self, **extra: str) -> str:
        params = {
            "client_id": self.client_id,
            "redirect_uri": self.callback,
            "response_type": "code",
            "scope": "openid email",
            "state": "browser-state-1",
            "nonce": "browser-nonce-1",
            "code_challenge": pkce.s256(VERIFIER),
            "code_challenge_method": "S256",
            **extra,
        }
        return f"{self.base_url}/realms/{REALM}/oauth/authorize?{urlencode(params)}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/{REALM}"

    @property
    def logout_url(self) -> str:
        return f"{self.base_url}/realms/{REALM}/oauth/logout"

    def id_token_claims(self, code: str) -> dict[str, Any]:
        """Redeem a code as the application would; the ID token's claims (the signature is tested elsewhere)."""
        response = httpx.post(
            f"{self.base_url}/realms/{REALM}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.callback,
                "code_verifier": VERIFIER,
            },
            auth=(self.client_id, self.client_secret),
        )
        assert response.status_code == 200, response.text
        payload = response.json()["id_token"].split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><html lang='en'><title>App</title><main><h1>Back at the app</h1></main></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def relying_party() -> Iterator[str]:
    """A page at http://127.0.0.1:<port>/cb that the browser is sent back to; yields that URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cb"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _environment(data_dir: Path, base_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any TENANTRY_* setting of the developer's, plus the server's own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TENANTRY_")}
    env.update(
        TENANTRY_DATA_DIR=str(data_dir),
        TENANTRY_BASE_URL=base_url,
        TENANTRY_ARGON2_TIME_COST="1",
        TENANTRY_ARGON2_MEMORY_KIB="1024",
    )
    env.update(extra)
    return env


def _tenantry(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tenantry.cli.main", *args], env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"tenantry {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


@contextmanager
def server(
    data_dir: Path, settings: Mapping[str, str] | None = None, host: str = "127.0.0.1"
) -> Iterator[tuple[str, str]]:
    """A migrated Tenantry server on a free port (plus TENANTRY_* ``settings``); yields (base URL, operator token).

    ``host`` names the server in its base URL (it always listens on 127.0.0.1): passkeys need a
    domain, e.g. ``localhost``, because a WebAuthn relying party id cannot be an IP address.
    """
    port = free_port()
    base_url = f"http://{host}:{port}"
    env = _environment(data_dir, base_url, settings or {})
    _tenantry(env, "migrate")
    token = json.loads(_tenantry(env, "operator", "token", "create", "--name", "e2e", "--json"))["secret"]
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "tenantry.web.app:create_app", "--factory", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(base_url, process, log_path)
            yield base_url, token
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], log_path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {seconds} s:\n{log_path.read_text()}")


def seed(base_url: str, token: str, callback: str, members: dict[str, tuple[str, ...]]) -> Site:
    """Realm alpha, connection members, organizations acme and globex, the users given, one application."""
    with httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {token}"}) as api:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = api.post(path, json=body)
            assert response.status_code in (200, 201), f"POST {path}: {response.status_code} {response.text}"
            return dict(response.json())

        post("/realms", {"name": REALM, "display_name": "Alpha"})
        post(f"/realms/{REALM}/connections", {"name": "members"})
        for name in ("acme", "globex"):
            post(f"/realms/{REALM}/organizations", {"name": name, "display_name": name.title()})
            post(f"/realms/{REALM}/organizations/{name}/connections", {"connection": "members"})
        users = {}
        for email, organizations in members.items():
            user = post(f"/realms/{REALM}/users", {"email": email, "password": PASSWORD, "connection": "members"})
            users[email] = user["id"]
            for organization in organizations:
                post(f"/realms/{REALM}/organizations/{organization}/members", {"user_id": user["id"]})
        app = post(
            f"/realms/{REALM}/applications",
            {
                "name": "web",
                "redirect_uris": [callback],
                "organization_usage": "allow",
                "organization_prompt": "after_login",
            },
        )
    return Site(base_url, callback, app["client_id"], app["client_secret"], users)


async def screenshot(page: Any, name: str) -> Path:
    """docs/screenshots/login-<name>.png, overwritten on each run (caret and animations off)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"login-{name}.png"
    await page.screenshot(path=str(path), animations="disabled", caret="hide")
    return path
