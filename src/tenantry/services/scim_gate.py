"""SPEC H9: when SCIM is authoritative for a connection, only users SCIM created may sign in through it.

Otherwise nothing changes (JIT, where a connection kind has it, applies as before). Checked where the
hosted login has authenticated a user through a connection, before a session exists.
"""

from __future__ import annotations

from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import User

from .configuration import Configuration
from .context import Ports

NOT_PROVISIONED = {
    "error": "access_denied",
    "description": "Your organization's directory manages access to this account, and it has not provisioned you. "
    "Ask your administrator for access.",
}


async def refused_by_scim(
    ports: Ports, configuration: Configuration, realm: Realm, user: User, plane: DataPlane
) -> bool:
    connection = await configuration.connection(realm.id, user.connection_id)
    if connection is None or not connection.scim_authoritative:
        return False
    async with ports.planes.transaction(plane, realm.id) as data:
        return not await data.scim_users.is_provisioned(user.id)
