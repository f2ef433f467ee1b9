"""The signed-in user's own sign-in methods (SPEC D8, S9): list, add, replace recovery codes, remove.

The account page acts for the user of a live session only. Removing a factor weakens the
account, so it needs a recent authentication: the session's login or its last second factor
within ``RECENT_AUTHENTICATION``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from tenantry.core.factor import Factor
from tenantry.core.grant import Session
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import User

from . import totp
from .context import Ports
from .factors import Check
from .login import LoginService

RECENT_AUTHENTICATION = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Holder:
    """The user of a live session at this realm, and where that user lives."""

    realm: Realm
    session: Session
    plane: DataPlane
    user: User
    csrf: str
    """Derived from the session cookie, which scripts and other sites cannot read (S8)."""

    @property
    def binding(self) -> str:
        return f"session:{self.session.id}"


@dataclass(frozen=True, slots=True)
class Pending:
    id: str
    secret: str


class AccountService:
    def __init__(self, ports: Ports, login: LoginService):
        self.ports = ports
        self.login = login
        self.factors = login.factors

    async def holder(self, realm: Realm, session_value: str | None) -> Holder | None:
        found = await self.login.live_session(realm, session_value)
        if found is None or session_value is None:
            return None
        session, plane = found
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(session.user_id)
        if user is None:
            return None
        csrf = hmac.new(session_value.encode(), b"tenantry account csrf", hashlib.sha256).hexdigest()
        return Holder(realm, session, plane, user, csrf)

    async def overview(self, holder: Holder) -> tuple[list[Factor], Pending | None, int]:
        """Confirmed factors, the authenticator waiting for its first code, and recovery codes left."""
        async with self.ports.planes.transaction(holder.plane, holder.realm.id) as data:
            factors = await data.factors.for_user(holder.user.id)
            left = await data.factors.recovery_codes_left(holder.user.id)
        pending = next((f for f in factors if f.kind == "totp" and not f.confirmed and f.secret), None)
        shown = (
            Pending(pending.id, self.ports.secrets.open(pending.secret).decode())
            if pending and pending.secret
            else None
        )
        return [f for f in factors if f.confirmed], shown, left

    async def begin_totp(self, holder: Holder) -> None:
        await self.factors.begin_totp(holder.realm, holder.plane, holder.user)

    async def confirm_totp(self, holder: Holder, factor_id: str, code: str, ip: str) -> Check:
        return await self.factors.confirm_totp(holder.realm, holder.plane, holder.user.id, factor_id, code, ip)

    async def passkey_options(self, holder: Holder) -> str:
        return await self.factors.passkey_registration(holder.realm, holder.plane, holder.user, holder.binding)

    async def add_passkey(self, holder: Holder, credential: str, label: str) -> bool:
        return await self.factors.add_passkey(
            holder.realm, holder.plane, holder.user.id, holder.binding, credential, label
        )

    async def recovery_codes(self, holder: Holder) -> list[str]:
        return await self.factors.new_recovery_codes(holder.realm, holder.plane, holder.user.id)

    def recent(self, holder: Holder) -> bool:
        last = max(holder.session.auth_time, holder.session.mfa_at or holder.session.auth_time)
        return self.ports.clock.now() - last <= RECENT_AUTHENTICATION

    async def remove(self, holder: Holder, factor_id: str) -> bool:
        return await self.factors.remove(holder.realm, holder.plane, holder.user.id, factor_id)

    async def qr_code(self, holder: Holder) -> str | None:
        _, pending, _ = await self.overview(holder)
        if pending is None:
            return None
        return totp.qr_svg(totp.provisioning_uri(pending.secret, holder.user.email, holder.realm.display_name))
