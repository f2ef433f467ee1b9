"""Which realm a protocol request belongs to, decided once at the edge and failing closed.

A request reaches a realm by its custom domain (the Host header) or by the path prefix
``/realms/{realm}`` on the deployment's own host. Anything else is 404: there is no default realm.
"""

from __future__ import annotations

from typing import Protocol

from tenantry.core.errors import NotFound
from tenantry.core.realm import Realm


class RealmFinder(Protocol):
    async def by_name(self, name: str) -> Realm | None: ...
    async def by_custom_domain(self, domain: str) -> Realm | None: ...


def host_only(host: str) -> str:
    """Lower-case host without port (IPv6 literals keep their brackets)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def resolve_realm(realms: RealmFinder, *, host: str, path_realm: str | None, base_host: str) -> Realm:
    """Custom domain first; otherwise the deployment host with a realm name in the path."""
    name = host_only(host)
    if name != host_only(base_host):
        realm = await realms.by_custom_domain(name)
        if realm is None or path_realm is not None:
            raise NotFound("no such realm", code="realm_not_found")
        return realm
    if path_realm is None:
        raise NotFound("no such realm", code="realm_not_found")
    realm = await realms.by_name(path_realm)
    if realm is None:
        raise NotFound("no such realm", code="realm_not_found")
    return realm
