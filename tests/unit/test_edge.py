"""The realm is resolved once at the edge and fails closed (DESIGN.md section 3, SPEC A3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tenantry.core.errors import NotFound
from tenantry.core.realm import Realm
from tenantry.tenancy.edge import host_only, resolve_realm

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ALPHA = Realm("rlm_a", "alpha", "Alpha", "pln_1", NOW)
BRAVO = Realm("rlm_b", "bravo", "Bravo", "pln_1", NOW, custom_domain="login.bravo.example")


class Realms:
    async def by_name(self, name: str) -> Realm | None:
        return {"alpha": ALPHA, "bravo": BRAVO}.get(name)

    async def by_custom_domain(self, domain: str) -> Realm | None:
        return BRAVO if domain == "login.bravo.example" else None


async def resolve(host: str, path: str | None) -> Realm:
    return await resolve_realm(Realms(), host=host, path_realm=path, base_host="id.example.com:8000")  # type: ignore[arg-type]


async def test_path_realm_on_the_deployment_host():
    assert await resolve("id.example.com:8000", "alpha") is ALPHA
    assert await resolve("ID.EXAMPLE.COM", "alpha") is ALPHA


async def test_a3_custom_domain_selects_its_realm():
    assert await resolve("login.bravo.example", None) is BRAVO
    assert await resolve("Login.Bravo.Example:443", None) is BRAVO


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("id.example.com", None),  # no default realm
        ("id.example.com", "nope"),
        ("evil.example", None),  # unknown host
        ("evil.example", "alpha"),  # unknown host with a realm path
        ("login.bravo.example", "alpha"),  # a custom domain never serves another realm's path
    ],
)
async def test_unknown_hosts_and_realms_fail_closed(host, path):
    with pytest.raises(NotFound):
        await resolve(host, path)


def test_host_only():
    assert host_only("Example.COM:8443") == "example.com"
    assert host_only("[::1]:8000") == "[::1]"
    assert host_only("127.0.0.1") == "127.0.0.1"
