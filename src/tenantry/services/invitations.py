"""Invitations to an organization (SPEC E1-E4, C1, C5).

An invitation lives in its organization's data plane and is proven by a 256-bit secret in its
link; only the secret's digest is stored. Accepting needs a login or sign-up with exactly the
invited email, through a connection the organization accepts (an isolated organization's own
connection, so the same email elsewhere stays another user: C5). Acceptance writes the
membership, marks the email verified and spends the invitation in one data-plane transaction;
every refusal leaves all three as they were (E3).
"""

from __future__ import annotations

import builtins
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from tenantry.core import names
from tenantry.core.audit import realm_stream
from tenantry.core.errors import InvalidInput, NotFound
from tenantry.core.grant import digest
from tenantry.core.invitation import INVITATION_TTL, MAX_INVITATION_DAYS, Invitation
from tenantry.core.organization import Organization
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import User
from tenantry.flows.login import LIFETIME, LoginTransaction
from tenantry.ports.control import ControlTransaction
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports
from .invitation_rules import WRONG_EMAIL, Refusal, Refused, admit, invitation_target, refusal_for
from .login_organization import context_organization
from .mail import MailService
from .memberships import Scope, _roles_exist
from .signup import Target


@dataclass(frozen=True, slots=True)
class Created:
    invitation: Invitation
    link: str
    email_sent: bool | None
    """None when no email was asked for (E4: the link is then the caller's to deliver)."""


class InvitationService:
    def __init__(self, ports: Ports, mail: MailService):
        self.ports = ports
        self.mail = mail

    async def _scope(
        self, tx: ControlTransaction, actor: Actor, realm_ref: str, org_ref: str, scope: str
    ) -> tuple[Realm, Organization, DataPlane]:
        realm = await lookup.realm(tx, actor, realm_ref)
        organization = await lookup.organization(tx, actor, realm.id, org_ref)
        require(actor, scope)
        return realm, organization, await lookup.plane(tx, organization.data_plane_id)

    async def create(
        self,
        actor: Actor,
        realm_ref: str,
        org_ref: str,
        *,
        email: str,
        roles: builtins.list[str] | None = None,
        expires_in_days: int | None = None,
        application: str | None = None,
        send_email: bool = True,
    ) -> Created:
        address = names.email(email)
        days = INVITATION_TTL.days if expires_in_days is None else expires_in_days
        if not 1 <= days <= MAX_INVITATION_DAYS:
            raise InvalidInput(f"an invitation expires after 1 to {MAX_INVITATION_DAYS} days", code="invalid_expiry")
        async with self.ports.control.transaction() as tx:
            realm, organization, plane = await self._scope(tx, actor, realm_ref, org_ref, "members:write")
            wanted = await _roles_exist(tx, realm.id, roles or [])
            app = await tx.applications(realm.id).by_name(application) if application else None
            if application and app is None:
                raise NotFound("no such application", code="application_not_found")
        secret = secrets.token_urlsafe(32)
        now = self.ports.clock.now()
        invitation = Invitation(
            id=self.ports.new_id("inv"),
            realm_id=realm.id,
            organization_id=organization.id,
            email=address,
            token_hash=digest(secret),
            inviter=actor.label,
            created_at=now,
            expires_at=now + timedelta(days=days),
            roles=wanted,
            application_id=app.id if app else None,
        )
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.invitations.add(invitation)
        async with self.ports.control.transaction() as tx:
            await record(
                tx,
                actor,
                "invitation.created",
                "invitation",
                invitation.id,
                realm_id=realm.id,
                organization_id=organization.id,
                details={"roles": wanted, "expires_at": invitation.expires_at.isoformat(), "email_sent": send_email},
            )
        link = self._link(realm, organization, app.initiate_login_uri if app else None, secret)
        sent = None
        if send_email:
            context = {
                "organization": organization.display_name,
                "email": address,
                "link": link,
                "expires": invitation.expires_at.strftime("%d %B %Y, %H:%M UTC"),
            }
            sent = await self.mail.deliver(realm, organization, "invitation", address, context)
        return Created(invitation, link, sent)

    def _link(self, realm: Realm, organization: Organization, login_uri: str | None, secret: str) -> str:
        """E1: the application's login route when it has one, otherwise the hosted acceptance page."""
        query = urlencode({"invitation": secret, "organization": organization.id})
        if login_uri:
            return f"{login_uri}{'&' if '?' in login_uri else '?'}{query}"
        return f"{realm.issuer(self.ports.base_url)}/invitations/accept?{query}"

    async def list(self, actor: Actor, realm_ref: str, org_ref: str, page: PageRequest) -> Page[Invitation]:
        async with self.ports.control.transaction() as tx:
            realm, organization, plane = await self._scope(tx, actor, realm_ref, org_ref, "members:read")
        async with self.ports.planes.transaction(plane, realm.id) as data:
            return await data.invitations.for_organization(organization.id, page)

    async def get(self, actor: Actor, realm_ref: str, org_ref: str, invitation_id: str) -> Invitation:
        async with self.ports.control.transaction() as tx:
            realm, organization, plane = await self._scope(tx, actor, realm_ref, org_ref, "members:read")
        async with self.ports.planes.transaction(plane, realm.id) as data:
            found = await data.invitations.get(organization.id, invitation_id)
        if found is None:
            raise NotFound("no such invitation", code="invitation_not_found")
        return found

    async def revoke(self, actor: Actor, realm_ref: str, org_ref: str, invitation_id: str) -> Invitation:
        """The link is dead at once; an accepted invitation cannot be revoked (its membership is the member's)."""
        async with self.ports.control.transaction() as tx:
            realm, organization, plane = await self._scope(tx, actor, realm_ref, org_ref, "members:write")
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            found = await data.invitations.get(organization.id, invitation_id)
            if found is None:
                raise NotFound("no such invitation", code="invitation_not_found")
            if not await data.invitations.revoke(organization.id, invitation_id, now):
                raise InvalidInput(
                    f"the invitation is {found.status(now)} and cannot be revoked",
                    code="invitation_not_pending",
                    details={"status": found.status(now)},
                )
            found.revoked_at = now
        async with self.ports.control.transaction() as tx:
            await record(
                tx,
                actor,
                "invitation.revoked",
                "invitation",
                invitation_id,
                realm_id=realm.id,
                organization_id=organization.id,
            )
        return found

    async def open(
        self, realm: Realm, organization_ref: str | None, secret: str | None, transaction: LoginTransaction | None
    ) -> LoginTransaction | Refusal:
        """The link's first step: the login transaction (the application's, or a new one) now carrying the
        invitation, or the reason the link cannot be used. Nothing is written either way."""
        async with self.ports.control.transaction() as tx:
            organization = await context_organization(tx, realm.id, organization_ref)
            plane = await tx.planes.get(organization.data_plane_id) if organization else None
        if organization is None or plane is None or not secret:
            return refusal_for(None)
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            invitation = await data.invitations.by_token(organization.id, digest(secret))
        if invitation is None or invitation.status(now) != "pending":
            return refusal_for(invitation.status(now) if invitation else None)
        opened = transaction or LoginTransaction(
            realm_id=realm.id,
            request={"client_id": "", "organization": organization.id},
            expires_at=(now + LIFETIME).timestamp(),
        )
        opened.email, opened.plane_id = invitation.email, plane.id
        opened.invitation = {"id": invitation.id, "organization_id": organization.id, "email": invitation.email}
        return opened

    async def page(self, realm: Realm, transaction: LoginTransaction) -> dict[str, object]:
        """What the invitation's pages show: the organization, the invited email, whether sign-up is open."""
        assert transaction.invitation is not None
        async with self.ports.control.transaction() as tx:
            organization = await tx.organizations(realm.id).get(transaction.invitation["organization_id"])
            target = await invitation_target(tx, realm, transaction.invitation["organization_id"])
        return {
            "organization": organization.display_name if organization else "",
            "email": transaction.invitation["email"],
            "signup": target is not None,
        }

    @staticmethod
    def other_email(transaction: LoginTransaction, email: str) -> str | None:
        """E2 before an account is created: the words to show when the email is not the invited one."""
        if transaction.invitation is None:
            return None
        try:
            same = names.email(email) == transaction.invitation["email"]
        except InvalidInput:
            return None
        return None if same else WRONG_EMAIL.description

    async def signup_target(self, realm: Realm, transaction: LoginTransaction) -> Target | None:
        """An invitation opens sign-up in the organization's database connection, even with public sign-up off."""
        assert transaction.invitation is not None
        async with self.ports.control.transaction() as tx:
            return await invitation_target(tx, realm, transaction.invitation["organization_id"])

    async def accept(self, realm: Realm, transaction: LoginTransaction, user: User) -> Refusal | None:
        """E2 after authentication: the membership with the invited roles, the email verified, the link spent."""
        assert transaction.invitation is not None
        invitation_id = transaction.invitation["id"]
        async with self.ports.control.transaction() as tx:
            organization = await tx.organizations(realm.id).get(transaction.invitation["organization_id"])
            plane = await tx.planes.get(organization.data_plane_id) if organization else None
        if organization is None or plane is None:
            return refusal_for(None)
        now = self.ports.clock.now()
        try:
            async with self.ports.planes.transaction(plane, realm.id) as data:
                await data.lock(f"user:{user.id}")
                invitation = await data.invitations.get(organization.id, invitation_id)
                if invitation is None or invitation.status(now) != "pending":
                    raise Refused(refusal_for(invitation.status(now) if invitation else None))
                membership = await admit(self.ports, data, Scope(realm, organization, plane), user, invitation)
                user.email_verified, user.updated_at = True, now
                await data.users.update(user)
                if not await data.invitations.accept(organization.id, invitation.id, user.id, now):
                    raise Refused(refusal_for("accepted"))
        except Refused as refused:
            return refused.refusal
        async with self.ports.control.transaction() as tx:
            await tx.audit.append(
                stream=realm_stream(realm.id),
                actor=f"user:{user.id}",
                action="invitation.accepted",
                target_type="invitation",
                target_id=invitation_id,
                request_id=None,
                realm_id=realm.id,
                organization_id=organization.id,
                details={"roles": membership.roles, "user_id": user.id},
            )
        return None
