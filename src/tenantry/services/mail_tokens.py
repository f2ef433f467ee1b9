"""Email verification and password reset by single-use links (SPEC S6, S7, S9; HOSTILE 50, 58, 59, 62).

A link's secret starts with the id of the user's data plane (like a session cookie), so it is found
without searching planes; only its SHA-256 digest is stored, typed by realm and kind, for at most
an hour. Asking for a reset answers the same, at once, for any email: the lookup and the mail run
in the background. A reset sets the password, spends every open reset link of the user and ends
the user's sessions and refresh tokens; it never signs the user in, so the next login goes through
every check the login context demands (an organization's MFA included).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from tenantry.core import names
from tenantry.core.audit import realm_stream
from tenantry.core.errors import InvalidInput
from tenantry.core.grant import digest
from tenantry.core.ids import has_prefix
from tenantry.core.invitation import MAIL_TOKEN_TTL, MailToken, MailTokenKind
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import User
from tenantry.ports.paging import PageRequest

from .access import Actor
from .attack_protection import AttackProtection, Verdict
from .context import Ports
from .login_organization import context_organization
from .mail import MailService
from .signup import _policy_message
from .users import UserService

PATHS: dict[MailTokenKind, str] = {"verify_email": "/email/verify", "reset_password": "/password/reset"}
TEMPLATES: dict[MailTokenKind, str] = {"verify_email": "verify_email", "reset_password": "reset_password"}


@dataclass(frozen=True, slots=True)
class LinkRefused:
    status: int
    error: str
    description: str


INVALID_LINK = LinkRefused(
    400, "link_invalid", "This link is not valid any more: it was used, it expired, or it is not from us."
)


def reset_account(email: str) -> str:
    """The throttle's account key for reset requests, kept apart from login failures of the same email."""
    return f"reset:{email}"


class MailTokenService:
    def __init__(self, ports: Ports, mail: MailService, protection: AttackProtection):
        self.ports = ports
        self.mail = mail
        self.protection = protection
        self.users = UserService(ports)

    async def _send(self, realm: Realm, plane: DataPlane, user: User, kind: MailTokenKind) -> bool:
        secret = f"{plane.id}.{secrets.token_urlsafe(32)}"
        now = self.ports.clock.now()
        token = MailToken(digest(secret), realm.id, kind, user.id, user.email, now, now + MAIL_TOKEN_TTL)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.mail_tokens.add(token)
        link = f"{realm.issuer(self.ports.base_url)}{PATHS[kind]}?{urlencode({'token': secret})}"
        context = {"email": user.email, "link": link, "minutes": int(MAIL_TOKEN_TTL.total_seconds() // 60)}
        return await self.mail.deliver(realm, None, TEMPLATES[kind], user.email, context)

    async def send_verification(self, realm: Realm, plane: DataPlane, user: User) -> bool:
        return await self._send(realm, plane, user, "verify_email")

    def verify_later(self, realm: Realm, plane: DataPlane, user: User) -> None:
        """After sign-up: the verification mail goes out without slowing the sign-up's answer."""
        self.mail.later(self.send_verification(realm, plane, user))

    async def resend_verification(self, actor: Actor, realm_ref: str, user_id: str, connection: str | None) -> bool:
        """Admin API: a new verification link (earlier ones stay valid until they expire)."""
        user, plane = await self.users.get(actor, realm_ref, user_id, connection=connection, scope="users:write")
        if user.email_verified:
            raise InvalidInput("the user's email is already verified", code="email_already_verified")
        async with self.ports.control.transaction() as tx:
            realm = await tx.realms.get(user.realm_id)
        assert realm is not None
        return await self.send_verification(realm, plane, user)

    async def request_reset(self, realm: Realm, email: str, organization_ref: str | None, ip: str) -> Verdict:
        """S6 every request counts per (email, IP) and per IP, and the limit refuses the next ones; S7 the same
        answer for every email, the lookup and the mail done afterwards."""
        account = reset_account(email)
        verdict = await self.protection.check(realm.id, account, ip)
        if not verdict.allowed:
            return verdict
        await self.protection.failed(realm.id, account, ip)
        self.mail.later(self._send_resets(realm, email, organization_ref))
        return verdict

    async def _send_resets(self, realm: Realm, email: str, organization_ref: str | None) -> None:
        """One link per password account with this email where the login context looks (no search across planes)."""
        async with self.ports.control.transaction() as tx:
            organization = await context_organization(tx, realm.id, organization_ref)
            allowed = None
            if organization is not None:
                allowed = {link.connection_id for link in await tx.connections(realm.id).enabled_for(organization.id)}
            plane = await tx.planes.get(organization.data_plane_id if organization else realm.home_plane_id)
            database = {
                c.id
                for c in (await tx.connections(realm.id).list(PageRequest(limit=200))).items
                if c.kind == "database"
            }
        if plane is None:
            return
        async with self.ports.planes.transaction(plane, realm.id) as data:
            users = [
                u
                for u in await data.users.with_email(email)
                if u.connection_id in database and (allowed is None or u.connection_id in allowed) and not u.blocked
            ]
        for user in users:
            await self._send(realm, plane, user, "reset_password")

    async def _token(self, realm: Realm, kind: MailTokenKind, secret: str) -> tuple[MailToken, DataPlane] | None:
        plane_id = secret.partition(".")[0]
        if not has_prefix(plane_id, "pln"):
            return None
        async with self.ports.control.transaction() as tx:
            plane = await tx.planes.get(plane_id)
        if plane is None:
            return None
        async with self.ports.planes.transaction(plane, realm.id) as data:
            token = await data.mail_tokens.get(kind, digest(secret))
        return (token, plane) if token is not None and token.usable(self.ports.clock.now()) else None

    async def reset_form(self, realm: Realm, secret: str) -> LinkRefused | None:
        return None if await self._token(realm, "reset_password", secret) else INVALID_LINK

    async def reset(self, realm: Realm, secret: str, password: str, ip: str) -> LinkRefused | str | None:
        """None when the password was changed; the policy's words to show on the form; or a refusal page."""
        verdict = await self.protection.check(realm.id, None, ip)
        if not verdict.allowed:
            return LinkRefused(429, "too_many_attempts", "Too many attempts. Wait a while, then try again.")
        found = await self._token(realm, "reset_password", secret)
        if found is None:
            await self.protection.failed(realm.id, None, ip)
            return INVALID_LINK
        token, plane = found
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(token.user_id)
        async with self.ports.control.transaction() as tx:
            connection = await tx.connections(realm.id).get(user.connection_id) if user else None
        if user is None or connection is None or user.blocked:
            return INVALID_LINK
        if not (await self.protection.check(realm.id, f"{user.connection_id}:{user.email}", ip)).allowed:
            # HOSTILE 58: an account locked from this address stays locked on every path, reset included.
            return LinkRefused(429, "too_many_attempts", "Too many attempts. Wait a while, then try again.")
        try:
            await self.users.check_password(realm, connection, password)
        except InvalidInput as exc:
            return _policy_message(exc.details)
        password_hash = await self.ports.hasher.hash(password)
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            if not await data.mail_tokens.use("reset_password", token.token_hash, now):
                return INVALID_LINK
            await data.credentials.set_password(user.id, password_hash)
            await data.mail_tokens.use_all("reset_password", user.id, now)
            await data.sessions.revoke_for_user(user.id, now)
            await data.grants.revoke_families(now=now, user_id=user.id)
        await self._audit(realm, user, "user.password_reset")
        return None

    async def verify(self, realm: Realm, secret: str) -> LinkRefused | None:
        """The link proves the address: ``email_verified`` is set, unless the user's email changed since."""
        found = await self._token(realm, "verify_email", secret)
        if found is None:
            return INVALID_LINK
        token, plane = found
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(token.user_id)
            if user is None or user.email != token.email:
                return INVALID_LINK
            if not await data.mail_tokens.use("verify_email", token.token_hash, now):
                return INVALID_LINK
            user.email_verified, user.updated_at = True, now
            await data.users.update(user)
        await self._audit(realm, user, "user.email_verified")
        return None

    async def _audit(self, realm: Realm, user: User, action: str) -> None:
        async with self.ports.control.transaction() as tx:
            await tx.audit.append(
                stream=realm_stream(realm.id),
                actor=f"user:{user.id}",
                action=action,
                target_type="user",
                target_id=user.id,
                request_id=None,
                realm_id=realm.id,
                organization_id=None,
                details={},
            )


def normalized_email(value: str) -> str | None:
    try:
        return names.email(value)
    except InvalidInput:
        return None
