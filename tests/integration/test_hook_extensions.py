"""Webhooks and plugins as post-login hooks (SPEC J2): a real local HTTP receiver that checks the signature,
timeouts under fail-open and fail-closed, and plugins registered through ``tenantry.hooks`` entry points."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.integration.login_flow import claims_of, code_of, exchange, follow, login
from tests.integration.test_hooks import add_hook, realm_with_members


class Receiver:
    """A webhook receiver on 127.0.0.1 that verifies Standard Webhooks signatures, as docs/hooks.md shows."""

    def __init__(self) -> None:
        self.secret = ""
        self.answer: dict[str, Any] = {}
        self.delay = 0.0
        self.received: list[dict[str, Any]] = []
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if not receiver.verified(self.headers, body):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                receiver.received.append(json.loads(body))
                time.sleep(receiver.delay)
                payload = json.dumps(receiver.answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tenantry-hook"

    def verified(self, headers: Any, body: bytes) -> bool:
        message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
        if abs(time.time() - int(timestamp)) > 300:
            return False
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        expected = base64.b64encode(
            hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        )
        return any(
            hmac.compare_digest(signature.removeprefix("v1,").encode(), expected)
            for signature in headers["webhook-signature"].split()
        )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()


@pytest.fixture
async def alpha(api):
    return await realm_with_members(api, "alpha")


async def webhook(api, receiver: Receiver, *, fail_open: bool = False, seconds: float = 3.0) -> dict:
    hook = await add_hook(
        api,
        "alpha",
        {
            "name": "risk-check",
            "kind": "webhook",
            "config": {"url": receiver.url, "timeout_seconds": seconds},
            "fail_open": fail_open,
        },
    )
    assert hook["secret"].startswith("whsec_") and hook["has_secret"] is True
    receiver.secret = hook["secret"]
    return hook


async def test_j2_a_signed_webhook_adds_a_claim(api, alpha, receiver):
    await webhook(api, receiver)
    receiver.answer = {"access_token_claims": {"risk": "low"}, "id_token_claims": {"risk": "low"}}
    code = code_of(await login(api, "alpha", alpha["app"], "dana@acme.example.com"))
    tokens = await exchange(api, "alpha", alpha["app"], code)
    assert (await claims_of(api, "alpha", tokens["access_token"]))["risk"] == "low"
    assert (await claims_of(api, "alpha", tokens["id_token"]))["risk"] == "low"
    assert receiver.bad_signatures == 0 and len(receiver.received) == 1
    sent = receiver.received[0]
    assert sent["user"]["email"] == "dana@acme.example.com" and sent["organization"]["name"] == "acme"
    assert sent["application"]["client_id"] == alpha["app"]["client_id"]
    assert "password" not in json.dumps(sent)
    shown = (await api.get("/api/v1/realms/alpha/hooks/risk-check")).json()
    assert "secret" not in shown and "sealed_secret" not in shown, "the secret is shown once"


async def test_j2_a_rotated_secret_signs_from_then_on(api, alpha, receiver):
    await webhook(api, receiver)
    rotated = (await api.post("/api/v1/realms/alpha/hooks/risk-check/rotate-secret")).json()["secret"]
    code = code_of(await login(api, "alpha", alpha["app"], "dana@acme.example.com"))
    assert code is None and receiver.bad_signatures == 1, "the receiver still holds the old secret: fail-closed"
    receiver.secret = rotated
    again = await login(api, "alpha", alpha["app"], "dana@acme.example.com", prompt="login")
    assert code_of(again) is not None


async def test_j2_a_webhook_answer_that_breaks_the_rules_fails_the_hook(api, alpha, receiver):
    await webhook(api, receiver)
    receiver.answer = {"access_token_claims": {"sub": "usr_someone_else"}}
    denied = await follow(api, await login(api, "alpha", alpha["app"], "dana@acme.example.com"))
    assert denied.status_code == 403 and "could not be completed" in denied.text


async def test_j2_webhook_timeout_fail_open_continues(api, alpha, receiver):
    await webhook(api, receiver, fail_open=True, seconds=0.5)
    receiver.delay = 1.5
    started = time.monotonic()
    code = code_of(await login(api, "alpha", alpha["app"], "dana@acme.example.com"))
    assert code is not None and time.monotonic() - started < 5
    assert "risk" not in (await claims_of(api, "alpha", (await exchange(api, "alpha", alpha["app"], code))["id_token"]))


async def test_j2_webhook_timeout_fail_closed_denies(api, alpha, receiver):
    await webhook(api, receiver, fail_open=False, seconds=0.5)
    receiver.delay = 1.5
    denied = await follow(api, await login(api, "alpha", alpha["app"], "dana@acme.example.com"))
    assert denied.status_code == 403 and "could not be completed" in denied.text and "code=" not in denied.text


PLUGIN_MODULE = """
def stamp(context, settings):
    return {
        "id_token_claims": {"stamp": settings["prefix"] + ":" + context["organization"]["name"]},
        "user_metadata": {"stamped": True},
    }


async def explode(context, settings):
    raise RuntimeError("the plugin failed")


def tamper(context, settings):
    context["user"]["email"] = "someone@else.example.com"
"""


@pytest.fixture
def plugins(tmp_path: Path) -> Iterator[None]:
    """A distribution's metadata on sys.path, as ``pip install`` of an operator's package would leave it."""
    root = tmp_path / "site"
    info = root / "tenantry_test_hooks-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tenantry-test-hooks\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[tenantry.hooks]\n"
        "stamp = tenantry_test_hooks:stamp\n"
        "explode = tenantry_test_hooks:explode\n"
        "tamper = tenantry_test_hooks:tamper\n"
    )
    (root / "tenantry_test_hooks.py").write_text(PLUGIN_MODULE)
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("tenantry_test_hooks", None)


async def test_j2_a_plugin_registered_through_an_entry_point_runs(api, alpha, plugins):
    await add_hook(
        api, "alpha", {"name": "stamp", "kind": "plugin", "config": {"plugin": "stamp", "settings": {"prefix": "p"}}}
    )
    code = code_of(await login(api, "alpha", alpha["app"], "dana@acme.example.com"))
    id_token = await claims_of(api, "alpha", (await exchange(api, "alpha", alpha["app"], code))["id_token"])
    assert id_token["stamp"] == "p:acme"
    user = (await api.get(f"/api/v1/realms/alpha/users/{alpha['users']['dana@acme.example.com']}")).json()
    assert user["user_metadata"] == {"stamped": True}, "metadata is written once, after the hooks"


@pytest.mark.parametrize("name", ["explode", "tamper"])
async def test_j2_a_failing_plugin_follows_its_fail_open_choice(api, alpha, plugins, name):
    hook = await add_hook(api, "alpha", {"name": name, "kind": "plugin", "config": {"plugin": name}})
    denied = await follow(api, await login(api, "alpha", alpha["app"], "dana@acme.example.com"))
    assert denied.status_code == 403, "fail-closed by default"
    await api.patch(f"/api/v1/realms/alpha/hooks/{hook['id']}", json={"fail_open": True})
    assert code_of(await login(api, "alpha", alpha["app"], "dana@acme.example.com", prompt="login")) is not None
    user = (await api.get(f"/api/v1/realms/alpha/users/{alpha['users']['dana@acme.example.com']}")).json()
    assert user["email"] == "dana@acme.example.com", "the context a plugin sees is read-only"
