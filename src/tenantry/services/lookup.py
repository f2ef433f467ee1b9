"""Resolve references (a name or an id) inside the caller's realm, failing with 404 codes."""

from __future__ import annotations

from tenantry.core.connection import Connection
from tenantry.core.errors import NotFound, Unavailable
from tenantry.core.ids import has_prefix
from tenantry.core.organization import Organization
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.ports.control import ControlTransaction

from .access import Actor, see_organization, see_realm


async def realm(tx: ControlTransaction, actor: Actor, ref: str) -> Realm:
    found = await (tx.realms.get(ref) if has_prefix(ref, "rlm") else tx.realms.by_name(ref))
    if found is None:
        raise NotFound("no such realm", code="realm_not_found")
    see_realm(actor, found.id)
    return found


async def organization(tx: ControlTransaction, actor: Actor, realm_id: str, ref: str) -> Organization:
    repo = tx.organizations(realm_id)
    found = await (repo.get(ref) if has_prefix(ref, "org") else repo.by_name(ref))
    if found is None:
        raise NotFound("no such organization", code="organization_not_found")
    see_organization(actor, found.id)
    return found


async def connection(tx: ControlTransaction, realm_id: str, ref: str) -> Connection:
    repo = tx.connections(realm_id)
    found = await (repo.get(ref) if has_prefix(ref, "con") else repo.by_name(ref))
    if found is None:
        raise NotFound("no such connection", code="connection_not_found")
    return found


async def realm_planes(tx: ControlTransaction, realm: Realm) -> list[DataPlane]:
    """The planes that hold any of the realm's users: its home plane and those of its connections."""
    plane_ids = {realm.home_plane_id} | await tx.connections(realm.id).plane_ids()
    return [await plane(tx, plane_id) for plane_id in sorted(plane_ids)]


async def plane(tx: ControlTransaction, plane_id: str) -> DataPlane:
    found = await tx.planes.get(plane_id)
    if found is None:
        raise Unavailable("the data plane is not registered", code="plane_unavailable")
    return found
