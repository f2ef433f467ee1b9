"""A dedicated customer's people live only in its own database (SPEC L2), and suspension (L7) refuses
their logins and ends their sessions until the customer is reactivated. Through HTTP, as in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tenantry.bootstrap import Runtime
from tests.integration.api_helpers import ok
from tests.integration.test_hosted_login import CSRF, PASSWORD, REDIRECT, authorize_url, follow, login, post_step
from tests.support.databases import deployment
from tests.support.environment import POSTGRES_URL

CUSTOMERS = "/api/v1/customers"
PEOPLE_TABLES = ("user", "session", "credential", "identit", "membership", "content", "grant", "token_famil", "refresh")


@pytest.fixture
async def runtime(backend: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    """Customers' isolated organizations live in the realm ``alpha``, which the login helpers use."""
    async with deployment(backend, tmp_path, customer_realm="alpha") as rt:
        yield rt


@pytest.fixture
async def site(api):
    ok(await api.post("/api/v1/realms", json={"name": "alpha"}))
    app = ok(
        await api.post(
            "/api/v1/realms/alpha/applications",
            json={"name": "web", "redirect_uris": [REDIRECT], "organization_usage": "allow"},
        )
    )
    customer = ok(
        await api.post(
            CUSTOMERS,
            json={"name": "Acme Corp", "slug": "acme-corp", "tier": "dedicated", "reason": "signed contract"},
        ),
        201,
    )
    user = ok(
        await api.post(
            "/api/v1/realms/alpha/users",
            json={"email": "dana@example.com", "password": PASSWORD, "connection": "org-acme-corp"},
        ),
        201,
    )
    ok(await api.post("/api/v1/realms/alpha/organizations/acme-corp/members", json={"user_id": user["id"]}), 201)
    return {"app": app, "customer": customer, "user": user}


async def _password_answer(api, site):  # type: ignore[no-untyped-def]
    page = await api.get(authorize_url(site, organization="acme-corp"))
    password_page = await follow(api, await post_step(api, "identifier", page.text, email="dana@example.com"))
    csrf = CSRF.search(password_page.text).group(1)
    response = await api.post("/realms/alpha/login/password", data={"csrf": csrf, "password": PASSWORD})
    return await follow(api, response) if response.status_code == 303 else response


async def _signed_in(api, site) -> bool:  # type: ignore[no-untyped-def]
    response = await api.get(authorize_url(site, prompt="none", organization="acme-corp"))
    return response.status_code == 302 and "code=" in response.headers["location"]


async def test_l7_suspension_refuses_logins_and_ends_sessions_reactivation_restores(api, site, runtime) -> None:
    done = await login(api, site, "dana@example.com", organization="acme-corp")
    assert done.headers["location"].startswith(REDIRECT)
    assert await _signed_in(api, site)

    ok(await api.post(f"{CUSTOMERS}/acme-corp/suspend", json={"reason": "unpaid invoice"}))
    assert not await _signed_in(api, site), "the session outlived the suspension"
    refused = await _password_answer(api, site)
    assert refused.status_code == 403 and "suspended" in refused.text
    plane = await runtime.customers.get(_operator(), "acme-corp")
    async with runtime.ports.control.transaction() as tx:
        dedicated = await tx.planes.get(plane.data_plane_id or "")
    async with runtime.ports.planes.transaction(dedicated, plane.realm_id or "") as data:
        assert await data.sessions.revoke_for_user(site["user"]["id"], runtime.clock.now()) == 0

    ok(await api.post(f"{CUSTOMERS}/acme-corp/reactivate", json={"reason": "invoice paid"}))
    again = await login(api, site, "dana@example.com", organization="acme-corp")
    assert again.headers["location"].startswith(REDIRECT)
    trail = await runtime.customers.trail(_operator(), "acme-corp")
    actions = [(e.action, e.details.get("reason")) for e in trail]
    assert ("customer.suspended", "unpaid invoice") in actions and ("customer.reactivated", "invoice paid") in actions


async def test_l8_operator_without_the_role_or_reason_is_refused(api, site) -> None:
    token = ok(
        await api.post("/api/v1/tokens", json={"name": "helpdesk", "kind": "operator", "scopes": ["control:support"]}),
        201,
    )
    support = {"Authorization": f"Bearer {token['token']}"}
    assert (await api.get(f"{CUSTOMERS}/acme-corp", headers=support)).status_code == 200
    denied = await api.post(f"{CUSTOMERS}/acme-corp/suspend", json={"reason": "curious"}, headers=support)
    assert denied.status_code == 403
    missing = await api.post(f"{CUSTOMERS}/acme-corp/suspend", json={})
    assert missing.status_code == 400


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
async def test_l2_dedicated_customer_has_its_own_database_and_the_control_plane_holds_no_people(
    api, site, runtime
) -> None:
    await login(api, site, "dana@example.com", organization="acme-corp")
    control = make_url(runtime.settings.database_url or "").database or ""
    dedicated = f"{control}_plane_cus_acme_corp"
    user_id = site["user"]["id"]

    def count(database: str, query: str) -> int:
        with psycopg.connect(str(make_url(POSTGRES_URL).set(database=database)), autocommit=True) as conn:
            return int(conn.execute(query, (user_id,)).fetchone()[0])

    assert count(dedicated, "SELECT count(*) FROM users WHERE id = %s") == 1
    assert count(dedicated, "SELECT count(*) FROM sessions WHERE user_id = %s") >= 1
    shared = f"{control}_plane_shared"
    assert count(shared, "SELECT count(*) FROM users WHERE id = %s") == 0
    assert count(shared, "SELECT count(*) FROM sessions WHERE user_id = %s") == 0
    with psycopg.connect(str(make_url(POSTGRES_URL).set(database=control)), autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
        ]
    assert "customers" in tables
    assert [t for t in tables if any(word in t for word in PEOPLE_TABLES)] == []


def _operator():  # type: ignore[no-untyped-def]
    from tenantry.services.access import system_actor

    return system_actor("test")
