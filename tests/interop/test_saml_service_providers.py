"""pysaml2 and python3-saml as independent service providers against a running Tenantry server (SPEC I4, I5).

A real server runs as a subprocess (uvicorn; SQLite, and PostgreSQL where reachable), seeded through
the admin API. Each SP is configured only from the IdP metadata it fetches over HTTP; the hosted login
is driven with httpx as a browser would, and the auto-posting form's fields are handed to the SP,
which checks the signatures (response and assertion), audience, recipient, destination,
InResponseTo, NameID and attribute values by its own rules.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.interop.test_openid_client import Server, _created, _free_port, _server_env, _start, _stop, _tenantry
from tests.support.databases import _drop_databases
from tests.support.environment import POSTGRES_URL
from tests.support.saml_peers import POST, REDIRECT, OneLoginSp, Posted, Pysaml2Sp, idp_from_metadata, xmlsec_binary

pytestmark = pytest.mark.interop

REALM = "samlinterop"
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PEERS = ("pysaml2", "python3-saml")


@pytest.fixture(
    scope="module",
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)],
)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    backend = str(request.param)
    data_dir = tmp_path_factory.mktemp(f"saml-{backend}")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    prefix = f"ts_{secrets.token_hex(5)}" if backend == "postgres" else None
    database_url = make_url(POSTGRES_URL).set(database=prefix).render_as_string(hide_password=False) if prefix else None
    running = Server(base_url, _server_env(data_dir, base_url, database_url), data_dir / "server.log")
    try:
        _tenantry(running, "migrate")
        running.operator_token = json.loads(
            _tenantry(running, "operator", "token", "create", "--name", "saml", "--json")
        )["secret"]
        _start(running, port)
        yield running
    finally:
        _stop(running)
        if prefix:
            _drop_databases(prefix)


@pytest.fixture(scope="module")
def apps(server: Server) -> dict[str, Any]:
    api = f"/api/v1/realms/{REALM}"
    headers = {"Authorization": f"Bearer {server.operator_token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as admin:
        _created(admin.post("/api/v1/realms", json={"name": REALM}))
        _created(admin.post(f"{api}/connections", json={"name": "members"}))
        body = {"email": "dana@example.com", "password": PASSWORD, "connection": "members", "name": "Dana Scully"}
        user = _created(admin.post(f"{api}/users", json={**body, "app_metadata": {"flex": {"roles": ["admin"]}}}))
        found = {"user_id": user["id"]}
        for peer in PEERS:
            found[peer] = _created(
                admin.post(
                    f"{api}/saml-applications",
                    json={
                        "name": peer.replace("3-", "-").replace(".", ""),
                        "entity_id": f"https://{peer}.example.com/sp",
                        "acs_urls": [f"https://{peer}.example.com/acs"],
                        "preset": "twilio_flex",
                    },
                )
            )
    return found


def _peer(app: dict[str, Any], peer: str) -> Any:
    metadata = httpx.get(app["metadata_url"], timeout=30)
    assert metadata.status_code == 200, metadata.text
    if peer == "pysaml2":
        if xmlsec_binary() is None:
            pytest.skip("pysaml2 needs the xmlsec1 program (Debian: apt-get install xmlsec1)")
        return Pysaml2Sp(app["entity_id"], app["acs_urls"][0], metadata.content)
    return OneLoginSp(app["entity_id"], app["acs_urls"][0], idp_from_metadata(metadata.content))


def _browse(browser: httpx.Client, server: Server, response: httpx.Response) -> httpx.Response:
    while response.status_code in (302, 303):
        location = response.headers["location"]
        target = location if location.startswith("http") else server.base_url + location
        assert target.startswith(server.base_url), f"left the server for {location}"
        response = browser.get(target)
    return response


def _sign_in(browser: httpx.Client, server: Server, page: httpx.Response) -> Posted:
    for step, fields in (("identifier", {"email": "dana@example.com"}), ("password", {"password": PASSWORD})):
        csrf = CSRF.search(page.text)
        assert csrf, f"no form before {step}:\n{page.text[:2000]}"
        posted = browser.post(f"{server.base_url}/realms/{REALM}/login/{step}", data={"csrf": csrf.group(1), **fields})
        assert posted.status_code == 303, posted.text[:2000]
        page = _browse(browser, server, posted)
    assert page.status_code == 200, page.text[:2000]
    return Posted.from_page(page.text)


def _check(accepted: dict[str, Any], apps: dict[str, Any]) -> None:
    assert accepted["name_id"] == "dana@example.com"  # the Flex preset's NameID (format unspecified)
    assert accepted["attributes"]["email"] == ["dana@example.com"]
    assert accepted["attributes"]["full_name"] == ["Dana Scully"]
    assert accepted["attributes"]["roles"] == ["admin"]


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("binding", [REDIRECT, POST], ids=["redirect", "post"])
def test_i4_sp_initiated(server: Server, apps: dict[str, Any], peer: str, binding: str) -> None:
    app = apps[peer]
    sp = _peer(app, peer)
    request_id, url, fields = sp.authn_request(binding, "/after/login")
    with httpx.Client(timeout=30) as browser:
        first = browser.get(url) if binding == REDIRECT else browser.post(url, data=fields)
        assert urlsplit(url).netloc == urlsplit(server.base_url).netloc
        posted = _sign_in(browser, server, _browse(browser, server, first))
    assert (posted.acs_url, posted.relay_state) == (app["acs_urls"][0], "/after/login")
    accepted = sp.accept(posted, request_id)
    assert accepted["in_response_to"] == request_id
    _check(accepted, apps)


@pytest.mark.parametrize("peer", PEERS)
def test_i4_idp_initiated(server: Server, apps: dict[str, Any], peer: str) -> None:
    app = apps[peer]
    sp = _peer(app, peer)
    with httpx.Client(timeout=30) as browser:
        posted = _sign_in(browser, server, _browse(browser, server, browser.get(app["login_url"])))
    _check(sp.accept(posted, None), apps)
