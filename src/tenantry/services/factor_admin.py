"""Admins and a user's second factors (SPEC S9; HOSTILE 62): list them, or reset them all, audited.

An admin may reset a user's factors (the user enrols again at the next login that needs MFA),
but never sees a TOTP secret or a recovery code, and no admin path sets a user's password.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenantry.core.factor import Factor

from .access import Actor
from .audit import record
from .context import Ports
from .users import UserService


@dataclass(frozen=True, slots=True)
class FactorSummary:
    factors: list[Factor]
    recovery_codes_left: int


class FactorAdmin:
    def __init__(self, ports: Ports, users: UserService):
        self.ports = ports
        self.users = users

    async def list(self, actor: Actor, realm_ref: str, user_id: str) -> FactorSummary:
        user, plane = await self.users.get(actor, realm_ref, user_id)
        async with self.ports.planes.transaction(plane, user.realm_id) as data:
            factors = [factor for factor in await data.factors.for_user(user.id) if factor.confirmed]
            left = await data.factors.recovery_codes_left(user.id)
        return FactorSummary(factors, left)

    async def reset(self, actor: Actor, realm_ref: str, user_id: str) -> int:
        """Remove every factor, recovery code and pending challenge of the user; returns the factors removed."""
        user, plane = await self.users.get(actor, realm_ref, user_id, scope="users:write")
        async with self.ports.planes.transaction(plane, user.realm_id) as data:
            removed = await data.factors.delete_for_user(user.id)
        async with self.ports.control.transaction() as tx:
            await record(
                tx,
                actor,
                "user.factors_reset",
                "user",
                user.id,
                realm_id=user.realm_id,
                details={"factors": removed},
            )
        return removed
