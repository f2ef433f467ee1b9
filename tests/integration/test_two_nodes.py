"""Two server processes on one PostgreSQL and one Redis behave as one deployment.

Two ``tenantry serve`` processes (``tests/nodes.py``) share the control-plane database, Redis, the
master key and the base URL, as nodes behind a load balancer do. The realm is seeded through node
1's admin API; then each test talks HTTP to both nodes, the hosted login driven with httpx as a
browser would (cookies, CSRF fields, post/redirect/get), and asserts that what one node did the
other honours: codes and refresh tokens (single use, replay revokes the family), the brute-force
lockout (S6, counted in Redis), logout (S8), signing-key revocation (HOSTILE 65), application
secrets and realm settings.

Per-process caches on the token path may only lag behind a change made on another node for as
long as the invalidation takes to arrive (PostgreSQL LISTEN/NOTIFY); the tests for keys,
application secrets and realm settings therefore poll the other node for up to
``PROPAGATION_SECONDS``. Everything else lives in the databases and Redis and must hold at once.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tenantry.core.grant import digest
from tenantry.protocols.oauth import pkce
from tenantry.services.grants import REFRESH_LEEWAY
from tests.nodes import Cluster, Node, cluster

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REALM = "twins"
API = f"/api/v1/realms/{REALM}"
PASSWORD = "correct horse battery"
REDIRECT = "https://app.example.com/callback"
SIGNED_OUT = "https://app.example.com/signed-out"
VERIFIER = "two-nodes-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
BOB = "bob@example.com"
LOCKOUT_AFTER = 10
"""``TENANTRY_THROTTLE_MAX_FAILURES_PER_ACCOUNT_IP`` (default): the tenth failure locks the pair."""
PROPAGATION_SECONDS = 2.0
T = TypeVar("T")


@dataclass(frozen=True)
class Client:
    client_id: str
    secret: str | None
    """None for a public client."""


@dataclass
class World:
    cluster: Cluster
    realm_id: str
    org_id: str
    users: dict[str, str]
    clients: dict[str, Client]

    @property
    def nodes(self) -> tuple[Node, Node]:
        first, second = self.cluster.nodes
        return first, second

    @property
    def issuer(self) -> str:
        return f"{self.cluster.base_url}/realms/{REALM}"

    @property
    def session_cookie(self) -> str:
        return f"tnt_session_{self.realm_id}"

    def admin(self, node: Node) -> httpx.Client:
        """The admin API of ``node`` as the operator."""
        headers = {"Authorization": f"Bearer {self.cluster.operator_token}"}
        return httpx.Client(base_url=node.url, headers=headers, timeout=30)


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, f"{response.request.method} {response.request.url}: {response.text}"
    return dict(response.json())


APP = {
    "redirect_uris": [REDIRECT],
    "post_logout_redirect_uris": [SIGNED_OUT],
    "grant_types": ["authorization_code", "refresh_token"],
    "organization_usage": "allow",
    "organization_prompt": "after_login",
}


def seed(running: Cluster) -> World:
    """Through node 1: realm, connection, organization acme, users in acme, a web app, an SPA and a worker."""
    headers = {"Authorization": f"Bearer {running.operator_token}"}
    node = running.nodes[0]
    with httpx.Client(base_url=f"{node.url}/api/v1", headers=headers, timeout=30) as api:
        realm = _created(api.post("/realms", json={"name": REALM, "display_name": "Twins"}))
        base = f"/realms/{REALM}"
        _created(api.post(f"{base}/connections", json={"name": "members"}))
        org = _created(api.post(f"{base}/organizations", json={"name": "acme", "display_name": "Acme"}))
        _created(api.post(f"{base}/organizations/acme/connections", json={"connection": "members"}))
        users = {}
        for email in (BOB, "dana@example.com", "erin@example.com"):
            body = {"email": email, "password": PASSWORD, "connection": "members", "email_verified": True}
            users[email] = _created(api.post(f"{base}/users", json=body))["id"]
            _created(api.post(f"{base}/organizations/acme/members", json={"user_id": users[email]}))
        web = _created(api.post(f"{base}/applications", json={"name": "web", **APP}))
        spa = _created(api.post(f"{base}/applications", json={"name": "spa", "public": True, **APP}))
        worker = _created(
            api.post(
                f"{base}/applications",
                json={
                    "name": "worker",
                    "grant_types": ["client_credentials"],
                    "organization_usage": "allow",
                    "organization_ids": [org["id"]],
                },
            )
        )
    clients = {
        "web": Client(web["client_id"], web["client_secret"]),
        "spa": Client(spa["client_id"], None),
        "worker": Client(worker["client_id"], worker["client_secret"]),
    }
    return World(running, realm["id"], org["id"], users, clients)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two nodes for the whole module, stopped (and their databases dropped) when it is done."""
    with cluster(tmp_path_factory.mktemp("two-nodes")) as running:
        yield seed(running)


# --- the hosted login, driven as a browser would -------------------------------------------------


def authorize_url(world: World, node: Node, client: str = "web", **extra: str) -> str:
    params = {
        "client_id": world.clients[client].client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email",
        "state": "st-1",
        "nonce": "no-1",
        "code_challenge": pkce.s256(VERIFIER),
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{node.url}/realms/{REALM}/oauth/authorize?{urlencode(params)}"


def submit(browser: httpx.Client, node: Node, step: str, page: httpx.Response, **fields: str) -> httpx.Response:
    found = CSRF.search(page.text)
    assert found, f"no csrf field on the page before /login/{step} ({page.status_code}):\n{page.text[:2000]}"
    response = browser.post(f"{node.url}/realms/{REALM}/login/{step}", data={"csrf": found.group(1), **fields})
    assert response.status_code == 303, f"POST /login/{step} on {node.name}: {response.status_code}\n{response.text}"
    return response


def follow(browser: httpx.Client, node: Node, response: httpx.Response) -> httpx.Response:
    """The page a login step redirected to (post/redirect/get), fetched from ``node``."""
    location = response.headers["location"]
    assert location.startswith("/"), f"expected a page of the login, got a redirect to {location}"
    return browser.get(node.url + location)


def password_page(browser: httpx.Client, world: World, email: str, node: Node) -> httpx.Response:
    """/authorize and the email on ``node``: the password page."""
    page = browser.get(authorize_url(world, node))
    assert page.status_code == 200 and 'name="email"' in page.text, page.text[:2000]
    answer = follow(browser, node, submit(browser, node, "identifier", page, email=email))
    assert answer.status_code == 200 and 'name="password"' in answer.text, answer.text[:2000]
    return answer


def code_from(response: httpx.Response, world: World) -> str:
    """The code of a redirect back to the application, after checking its state and RFC 9207 iss."""
    assert response.status_code in (302, 303), f"{response.status_code}:\n{response.text[:2000]}"
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    query = parse_qs(urlsplit(location).query)
    assert "error" not in query, query
    assert query["state"] == ["st-1"] and query["iss"] == [world.issuer], query
    return query["code"][0]


def sign_in(browser: httpx.Client, world: World, node: Node, email: str = BOB, client: str = "web") -> str:
    """The whole hosted login on ``node``; the authorization code the application receives."""
    page = browser.get(authorize_url(world, node, client))
    assert page.status_code == 200, page.text[:2000]
    password = follow(browser, node, submit(browser, node, "identifier", page, email=email))
    return code_from(submit(browser, node, "password", password, password=PASSWORD), world)


# --- the application's side ----------------------------------------------------------------------


def token(world: World, node: Node, client: str, form: dict[str, str], secret: str | None = None) -> httpx.Response:
    """POST /oauth/token on ``node``: Basic authentication for a confidential client, client_id for a public one."""
    registered = world.clients[client]
    if registered.secret is None:
        form = {**form, "client_id": registered.client_id}
        return httpx.post(f"{node.url}/realms/{REALM}/oauth/token", data=form, timeout=30)
    auth = (registered.client_id, secret or registered.secret)
    return httpx.post(f"{node.url}/realms/{REALM}/oauth/token", data=form, auth=auth, timeout=30)


def redeem(world: World, node: Node, client: str, code: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": VERIFIER}
    return token(world, node, client, form)


def refresh(world: World, node: Node, client: str, refresh_token: str) -> httpx.Response:
    return token(world, node, client, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def tokens(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, f"{response.request.url}: {response.status_code} {response.text}"
    return dict(response.json())


def refused(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, f"{response.request.url}: {response.status_code} {response.text}"
    assert response.json()["error"] == error, response.text


def introspect(world: World, node: Node, access_token: str) -> dict[str, Any]:
    web = world.clients["web"]
    assert web.secret is not None
    response = httpx.post(
        f"{node.url}/realms/{REALM}/oauth/introspect",
        data={"token": access_token},
        auth=(web.client_id, web.secret),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def userinfo(node: Node, access_token: str) -> httpx.Response:
    return httpx.get(
        f"{node.url}/realms/{REALM}/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=30
    )


def jwks_kids(node: Node) -> set[str]:
    response = httpx.get(f"{node.url}/realms/{REALM}/.well-known/jwks.json", timeout=30)
    assert response.status_code == 200, response.text
    return {key["kid"] for key in response.json()["keys"]}


def jwt_part(token_value: str, index: int) -> dict[str, Any]:
    """The JOSE header (0) or the claims (1) of a compact JWS, unverified (the nodes verify)."""
    part = token_value.split(".")[index]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def eventually(probe: Callable[[], T], accept: Callable[[T], bool], what: str) -> T:
    """``probe()`` until ``accept`` holds, for at most PROPAGATION_SECONDS (cross-node cache invalidation)."""
    deadline = time.monotonic() + PROPAGATION_SECONDS
    while True:
        result = probe()
        if accept(result):
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"after {PROPAGATION_SECONDS} s, still not {what}: {result!r}")
        time.sleep(0.05)


def age_rotation(world: World, refresh_token: str) -> None:
    """Move a refresh token's rotation a minute into the past, beyond the retry leeway (HOSTILE 12).

    Within the leeway a rotated token is accepted again (a retry after a lost response); a replay
    is a reuse after it. The nodes read the system clock, so instead of waiting the leeway out the
    rotation time is moved back in the token's data plane, named by the token itself.
    """
    plane_id = refresh_token.partition(".")[0]
    control = make_url(world.cluster.env["TENANTRY_DATABASE_URL"])
    with psycopg.connect(control.render_as_string(hide_password=False)) as conn:
        row = conn.execute("SELECT database FROM data_planes WHERE id = %s", (plane_id,)).fetchone()
    assert row is not None, f"no data plane {plane_id}"
    with psycopg.connect(control.set(database=row[0]).render_as_string(hide_password=False)) as conn:
        moved = conn.execute(
            "UPDATE refresh_tokens SET rotated_at = rotated_at - make_interval(secs => %s) "
            "WHERE token_hash = %s AND rotated_at IS NOT NULL",
            (6 * REFRESH_LEEWAY.total_seconds(), digest(refresh_token)),
        ).rowcount
    assert moved == 1, "the refresh token was not rotated"


# --- 1. codes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["web", "spa"])
def test_hostile_1_a_code_from_node_1_is_redeemed_on_node_2_and_its_replay_on_node_1_revokes_the_tokens(world, client):
    node1, node2 = world.nodes
    with httpx.Client(timeout=30) as browser:
        code = sign_in(browser, world, node1, client=client)

    issued = tokens(redeem(world, node2, client, code))

    access = jwt_part(issued["access_token"], 1)
    assert access["iss"] == world.issuer and access["sub"] == world.users[BOB] and access["org_id"] == world.org_id
    assert jwt_part(issued["id_token"], 1)["nonce"] == "no-1"
    assert introspect(world, node1, issued["access_token"])["active"] is True

    refused(redeem(world, node1, client, code), 400, "invalid_grant")

    for node in world.nodes:
        refused(refresh(world, node, client, issued["refresh_token"]), 400, "invalid_grant")
        assert introspect(world, node, issued["access_token"]) == {"active": False}
        assert userinfo(node, issued["access_token"]).status_code == 401


def test_hostile_76_a_login_started_on_node_1_finishes_on_node_2(world):
    """The login transaction travels sealed in a cookie: any node can take the next step (HOSTILE 76)."""
    node1, node2 = world.nodes
    with httpx.Client(timeout=30) as browser:
        page = password_page(browser, world, BOB, node1)
        code = code_from(submit(browser, node2, "password", page, password=PASSWORD), world)

    assert jwt_part(tokens(redeem(world, node1, "web", code))["id_token"], 1)["sub"] == world.users[BOB]


# --- 2. refresh tokens ----------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["web", "spa"])
def test_hostile_12_a_token_rotated_on_node_2_and_replayed_on_node_1_kills_the_family_on_both(world, client):
    node1, node2 = world.nodes
    with httpx.Client(timeout=30) as browser:
        first = tokens(redeem(world, node1, client, sign_in(browser, world, node1, client=client)))
    second = tokens(refresh(world, node2, client, first["refresh_token"]))
    assert second["refresh_token"] != first["refresh_token"]
    assert jwt_part(second["access_token"], 1)["gid"] == jwt_part(first["access_token"], 1)["gid"]
    age_rotation(world, first["refresh_token"])

    refused(refresh(world, node1, client, first["refresh_token"]), 400, "invalid_grant")

    for node in world.nodes:
        refused(refresh(world, node, client, second["refresh_token"]), 400, "invalid_grant")
        for access_token in (first["access_token"], second["access_token"]):
            assert introspect(world, node, access_token) == {"active": False}
            assert userinfo(node, access_token).status_code == 401


def test_hostile_76_a_rotation_whose_answer_was_lost_on_node_2_is_retried_on_node_1(world):
    """HOSTILE 12 and 76: within the leeway, the same refresh token presented again is a retry, not a replay."""
    node1, node2 = world.nodes
    with httpx.Client(timeout=30) as browser:
        first = tokens(redeem(world, node1, "web", sign_in(browser, world, node1)))
    tokens(refresh(world, node2, "web", first["refresh_token"]))  # the client never saw this answer

    retried = tokens(refresh(world, node1, "web", first["refresh_token"]))

    assert introspect(world, node2, retried["access_token"])["active"] is True
    tokens(refresh(world, node2, "web", retried["refresh_token"]))


# --- 3. brute-force lockout (S6) --------------------------------------------------------------------


def test_s6_a_lockout_reached_on_node_1_refuses_the_right_password_on_node_2(world):
    node1, node2 = world.nodes
    email = "dana@example.com"
    with httpx.Client(timeout=30) as browser:
        page = password_page(browser, world, email, node1)
        for attempt in range(1, LOCKOUT_AFTER + 1):
            page = follow(browser, node1, submit(browser, node1, "password", page, password="not the password"))
            if attempt < LOCKOUT_AFTER:
                assert page.status_code == 400 and "Wrong email or password" in page.text, (attempt, page.text)
        assert page.status_code == 429 and "Too many attempts" in page.text, page.text

    with httpx.Client(timeout=30) as browser:
        page = password_page(browser, world, email, node2)
        answer = submit(browser, node2, "password", page, password=PASSWORD)
        assert not answer.headers["location"].startswith(REDIRECT), "node 2 signed in an account node 1 locked out"
        locked = follow(browser, node2, answer)

        assert locked.status_code == 429 and "Too many attempts" in locked.text, locked.text
        assert 0 < int(locked.headers["retry-after"]) <= 900
        assert world.session_cookie not in browser.cookies, "no session for a locked-out account"


def test_s6_failures_on_both_nodes_add_up_to_one_lockout(world):
    """One login transaction whose password attempts alternate between the nodes: one counter in Redis."""
    nodes = world.nodes
    email = "erin@example.com"
    with httpx.Client(timeout=30) as browser:
        page = password_page(browser, world, email, nodes[0])
        for attempt in range(1, LOCKOUT_AFTER + 1):
            node = nodes[attempt % 2]
            page = follow(browser, node, submit(browser, node, "password", page, password="not the password"))
            expected = 429 if attempt == LOCKOUT_AFTER else 400
            assert page.status_code == expected, (attempt, node.name, page.text)
        for node in nodes:
            page = password_page(browser, world, email, node)
            locked = follow(browser, node, submit(browser, node, "password", page, password=PASSWORD))
            assert locked.status_code == 429 and "Too many attempts" in locked.text, (node.name, locked.text)


# --- 4. logout (S8) -----------------------------------------------------------------------------------


def test_s8_logout_on_node_1_ends_the_session_on_node_2(world):
    node1, node2 = world.nodes
    with httpx.Client(timeout=30) as browser:
        issued = tokens(redeem(world, node2, "web", sign_in(browser, world, node1)))
        session = {world.session_cookie: browser.cookies[world.session_cookie]}
    with httpx.Client(timeout=30, cookies=session) as browser:
        tokens(redeem(world, node1, "web", code_from(browser.get(authorize_url(world, node2)), world)))
        logout = browser.get(
            f"{node1.url}/realms/{REALM}/oauth/logout",
            params={"id_token_hint": issued["id_token"], "post_logout_redirect_uri": SIGNED_OUT, "state": "bye"},
        )
        assert logout.status_code == 303 and logout.headers["location"] == f"{SIGNED_OUT}?state=bye", logout.text

    with httpx.Client(timeout=30, cookies=session) as browser:
        again = browser.get(authorize_url(world, node2))
        assert again.status_code == 200 and 'name="email"' in again.text, (again.status_code, again.headers)
        silent = browser.get(authorize_url(world, node2, prompt="none"))
        assert parse_qs(urlsplit(silent.headers["location"]).query)["error"] == ["login_required"]

    refused(refresh(world, node2, "web", issued["refresh_token"]), 400, "invalid_grant")
    assert introspect(world, node2, issued["access_token"]) == {"active": False}


# --- 5. signing-key revocation (HOSTILE 65) ---------------------------------------------------------


def test_hostile_65_a_key_revoked_through_node_1_is_gone_from_node_2_at_once(world):
    node1, node2 = world.nodes
    with httpx.Client(timeout=30) as browser:
        issued = tokens(redeem(world, node2, "web", sign_in(browser, world, node1)))
    access_token = issued["access_token"]
    kid = jwt_part(access_token, 0)["kid"]
    assert kid in jwks_kids(node2)
    assert introspect(world, node2, access_token)["active"] is True
    assert userinfo(node2, access_token).status_code == 200

    with world.admin(node1) as admin:
        revoked = admin.post(f"{API}/keys/{kid}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked", revoked.text

    eventually(lambda: jwks_kids(node2), lambda kids: kid not in kids, f"{kid} out of node 2's JWKS")
    eventually(lambda: introspect(world, node2, access_token), lambda body: body == {"active": False}, "inactive")
    eventually(lambda: userinfo(node2, access_token).status_code, lambda status: status == 401, "refused")

    fresh = tokens(refresh(world, node2, "web", issued["refresh_token"]))["access_token"]
    successor = jwt_part(fresh, 0)["kid"]
    assert successor != kid, "node 2 still signs with the revoked key"
    assert successor in jwks_kids(node1) and successor in jwks_kids(node2)
    for node in world.nodes:
        assert introspect(world, node, fresh)["active"] is True
        assert introspect(world, node, access_token) == {"active": False}


# --- 6. application secrets -------------------------------------------------------------------------


def _application(world: World, node: Node, name: str) -> str:
    """A confidential application for the code, refresh and client_credentials grants; registered as ``name``."""
    body = {"name": name, **APP, "grant_types": ["authorization_code", "refresh_token", "client_credentials"]}
    with world.admin(node) as admin:
        created = _created(admin.post(f"{API}/applications", json=body))
    world.clients[name] = Client(created["client_id"], created["client_secret"])
    return name


def _machine_token(world: World, node: Node, client: str, secret: str | None = None) -> httpx.Response:
    return token(world, node, client, {"grant_type": "client_credentials"}, secret)


def _authorize_status(world: World, node: Node, client: str) -> int:
    """200: the login page for this client; 400: the local error page (unknown client, S1)."""
    return httpx.get(authorize_url(world, node, client), timeout=30).status_code


def test_a_secret_rotated_through_node_1_is_refused_by_node_2_at_once(world):
    node1, node2 = world.nodes
    client = _application(world, node1, "rotating")
    old = world.clients[client].secret
    with httpx.Client(timeout=30) as browser:
        code = sign_in(browser, world, node1, client=client)
    issued = tokens(redeem(world, node2, client, code))
    tokens(_machine_token(world, node2, client))

    with world.admin(node1) as admin:
        rotated = admin.post(f"{API}/applications/{client}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["client_secret"]
    assert new != old

    eventually(lambda: _machine_token(world, node2, client, old).status_code, lambda s: s == 401, "old secret refused")
    refresh_form = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    refused(token(world, node2, client, refresh_form, old), 401, "invalid_client")
    refused(_machine_token(world, node2, client, old), 401, "invalid_client")
    tokens(eventually(lambda: _machine_token(world, node2, client, new), lambda r: r.status_code == 200, "new secret"))
    tokens(token(world, node2, client, refresh_form, new))


def test_an_application_deleted_through_node_1_is_refused_by_node_2_at_once(world):
    node1, node2 = world.nodes
    client = _application(world, node1, "doomed")
    tokens(_machine_token(world, node2, client))
    assert _authorize_status(world, node2, client) == 200

    with world.admin(node1) as admin:
        assert admin.delete(f"{API}/applications/{client}").status_code == 204

    eventually(lambda: _machine_token(world, node2, client).status_code, lambda s: s == 401, "client refused")
    refused(_machine_token(world, node2, client), 401, "invalid_client")
    assert _authorize_status(world, node2, client) == 400, "node 2 still starts logins for it"


# --- 7. realm settings ------------------------------------------------------------------------------


def _org_name_in(world: World, node: Node) -> bool | None:
    """Whether a machine token minted on ``node`` for acme carries org_name (None if org_id is missing)."""
    form = {"grant_type": "client_credentials", "organization": "acme"}
    claims = jwt_part(tokens(token(world, node, "worker", form))["access_token"], 1)
    if claims.get("org_id") != world.org_id:
        return None
    return "org_name" in claims


def _set_org_name_in_tokens(world: World, node: Node, value: bool) -> None:
    with world.admin(node) as admin:
        answer = admin.patch(API, json={"settings": {"org_name_in_tokens": value}})
    assert answer.status_code == 200 and answer.json()["settings"]["org_name_in_tokens"] is value, answer.text


def test_d4_org_name_in_tokens_changed_on_node_1_is_honoured_by_node_2_at_once(world):
    node1, node2 = world.nodes
    assert _org_name_in(world, node2) is True
    with httpx.Client(timeout=30) as browser:
        before = tokens(redeem(world, node2, "web", sign_in(browser, world, node1)))
    assert jwt_part(before["id_token"], 1)["org_name"] == "acme"

    _set_org_name_in_tokens(world, node1, False)
    try:
        eventually(lambda: _org_name_in(world, node2), lambda found: found is False, "without org_name on node 2")
        after = tokens(refresh(world, node2, "web", before["refresh_token"]))
        claims = jwt_part(after["access_token"], 1)
        assert claims["org_id"] == world.org_id and "org_name" not in claims
        with httpx.Client(timeout=30) as browser:
            fresh = tokens(redeem(world, node2, "web", sign_in(browser, world, node1)))
        assert "org_name" not in jwt_part(fresh["id_token"], 1) and "org_name" not in jwt_part(fresh["access_token"], 1)
    finally:
        _set_org_name_in_tokens(world, node1, True)

    eventually(lambda: _org_name_in(world, node2), lambda found: found is True, "with org_name again on node 2")
