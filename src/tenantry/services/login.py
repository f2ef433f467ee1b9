"""Hosted login: the authorization endpoint, the organization prompt, identifier-first login, sign-up and
the organization picker (D1-D7, D9, S1, S6-S8).

Every method returns an ``Outcome`` (a page to show, or a redirect) that the web layer renders;
the login state travels sealed in a cookie, sessions live in the user's data plane.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tenantry.core import names
from tenantry.core.application import Application
from tenantry.core.errors import InvalidInput
from tenantry.core.grant import Session, digest
from tenantry.core.ids import has_prefix
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.saml_application import SamlApplication
from tenantry.core.user import User
from tenantry.flows.login import LoginTransaction, choose_organization, prompts_for_organization
from tenantry.ports.paging import PageRequest
from tenantry.protocols import jose
from tenantry.protocols.oauth import authorize
from tenantry.protocols.oauth.authorize import AuthorizationRequest
from tenantry.tenancy.discovery import home_organization

from .attack_protection import AttackProtection
from .auto_membership import AutoMembership
from .context import Ports
from .customer_gate import CustomerGate
from .factors import FactorService
from .federated_login import FederatedLogin
from .grants import GrantService
from .hook_runner import HookRunner
from .invitation_rules import Refusal
from .invitations import InvitationService
from .login_mfa import MfaStep
from .login_organization import context_organization, select_organization
from .login_policy import LoginPolicy
from .mail_tokens import MailTokenService
from .outcome import Outcome
from .scim_gate import NOT_PROVISIONED, refused_by_scim
from .sessions import SessionLifetimes
from .signup import Refused, Signup, Target, signup_target

SUSPENDED = {"error": "access_denied", "description": "This organization's access is suspended."}
"""L7: what a user of a suspended customer sees instead of a session."""


def _redirect_with(uri: str, params: Mapping[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


class LoginService:
    def __init__(
        self,
        ports: Ports,
        grants: GrantService,
        protection: AttackProtection,
        hooks: HookRunner,
        auto_membership: AutoMembership,
        *,
        invitations: InvitationService,
        mail_tokens: MailTokenService,
    ):
        self.ports = ports
        self.invitations = invitations
        self.mail_tokens = mail_tokens
        self.grants = grants
        self.protection = protection
        self.hooks = hooks
        self.auto_membership = auto_membership
        self.configuration = grants.configuration
        self.signups = Signup(ports)
        self.federation = FederatedLogin(ports, self.configuration)
        self.lifetimes: SessionLifetimes = grants.lifetimes
        self.policy = LoginPolicy(ports, self.configuration)
        self.factors = FactorService(ports, protection)
        self.mfa = MfaStep(ports, self.configuration, self.factors, self.policy)
        self.customers = CustomerGate(ports, self.configuration.cache)

    def issuer(self, realm: Realm) -> str:
        return realm.issuer(self.ports.base_url)

    def _error_redirect(self, realm: Realm, request: AuthorizationRequest, error: str, description: str) -> Outcome:
        return Outcome(
            redirect=_redirect_with(
                request.redirect_uri,
                {"error": error, "error_description": description, "state": request.state, "iss": self.issuer(realm)},
            )
        )

    async def authorize(
        self, realm: Realm, params: Mapping[str, list[str]], session_value: str | None, ip: str = ""
    ) -> Outcome:
        """S1 first (client, redirect URI: local errors), then the rest at the redirect URI."""
        client_id = _first(params, "client_id")
        application = await self.configuration.application(realm.id, client_id) if client_id else None
        try:
            application = authorize.check_client(application)
            redirect_uri = authorize.check_redirect_uri(application, _first(params, "redirect_uri"))
        except authorize.LocalError as error:
            return Outcome(page="error", status=400, context={"error": error.error, "description": error.description})
        try:
            request = authorize.parse(params, application, redirect_uri)
        except authorize.RedirectError as error:
            return self._error_redirect(
                realm, request_stub(application.client_id, redirect_uri, params), error.code, error.description
            )
        transaction = LoginTransaction.begin(realm.id, request, self.ports.clock.now())
        transaction.client_ip = ip
        invitation = _first(params, "invitation")
        return await self.begin(realm, transaction, application.organization_prompt, session_value, invitation)

    async def begin(
        self,
        realm: Realm,
        transaction: LoginTransaction,
        organization_prompt: str,
        session_value: str | None,
        invitation: str | None = None,
    ) -> Outcome:
        """Sign in for a request already checked (an OIDC authorization or a SAML one), or reuse a live session.

        An invitation link (E2) always asks for a fresh login with the invited email.
        """
        request = transaction.authorization_request()
        session = await self._live_session(realm, session_value)
        now = self.ports.clock.now()
        reauthenticate = (
            invitation is not None
            or "login" in request.prompt
            or (
                session is not None
                and request.max_age is not None
                and (now - session[0].auth_time).total_seconds() > request.max_age
            )
        )
        if session is not None and not reauthenticate:
            return await self._finish(realm, transaction, session[0], session[1])
        if "none" in request.prompt:
            return self._error_redirect(realm, request, "login_required", "the user is not signed in")
        if invitation is not None:
            return await self.invitation_page(realm, transaction, request.organization, invitation)
        if prompts_for_organization(organization_prompt, request.organization):
            transaction.step = "find_organization"
            return await self._prompt_page(realm, transaction, {"email": request.login_hint or ""})
        return await self.identifier_page(realm, transaction, request.login_hint or "")

    async def _plane_of(self, value: str | None) -> DataPlane | None:
        """The data plane a session cookie names (its value starts with the plane id)."""
        plane_id = value.partition(".")[0] if value else ""
        if not value or not has_prefix(plane_id, "pln"):
            return None
        return await self.configuration.plane(plane_id)

    async def live_session(self, realm: Realm, value: str | None) -> tuple[Session, DataPlane] | None:
        return await self._live_session(realm, value)

    async def _live_session(self, realm: Realm, value: str | None) -> tuple[Session, DataPlane] | None:
        """A session within its idle and absolute limits (D8) whose user may sign in; each use slides its idle limit."""
        plane = await self._plane_of(value)
        if plane is None or value is None:
            return None
        async with self.ports.planes.transaction(plane, realm.id) as data:
            session = await data.sessions.get(digest(value))
            user = await data.users.get(session.user_id) if session else None
            if session is None or user is None or user.blocked:
                return None
            limits = await self.lifetimes.for_context(realm, session.organization_id)
            now = self.ports.clock.now()
            if not limits.alive(session, now):
                return None
            await data.sessions.touch(session.id, now, limits.used_at(session, now))
        return session, plane

    async def identify(self, realm: Realm, transaction: LoginTransaction, email: str) -> Outcome:
        """Find the accounts this email may mean; several → ask (B6), never pick."""
        if transaction.step == "find_organization":
            label = realm.settings.organization_label
            return await self._prompt_page(
                realm, transaction, {}, error=f"Enter your {label}'s name or your work email first."
            )
        try:
            address = names.email(email)
        except InvalidInput:
            return await self.identifier_page(realm, transaction, email, error="Enter a valid email address.")
        async with self.ports.control.transaction() as tx:
            organization = await self._organization_hint(tx, realm, transaction.requested_organization(), address)
            allowed = None
            if organization is not None:
                allowed = {link.connection_id for link in await tx.connections(realm.id).enabled_for(organization.id)}
            plane = await tx.planes.get(organization.data_plane_id if organization else realm.home_plane_id)
            connections = {c.id: c for c in (await tx.connections(realm.id).list(_all())).items}
        assert plane is not None
        upstream = await self.federation.route(realm, transaction, organization, address)
        if upstream is not None:
            return Outcome(redirect=upstream, transaction=transaction)
        blocked = await self.policy.before_password(realm, transaction, organization, address)
        if blocked is not None:
            return blocked
        async with self.ports.planes.transaction(plane, realm.id) as data:
            users = [u for u in await data.users.with_email(address) if allowed is None or u.connection_id in allowed]
        transaction.email, transaction.plane_id = address, plane.id
        if len(users) > 1:
            transaction.step = "choose_account"
            transaction.candidates = [
                {
                    "user_id": u.id,
                    "connection_id": u.connection_id,
                    "label": connections[u.connection_id].name if u.connection_id in connections else u.connection_id,
                }
                for u in users
            ]
            return Outcome(
                page="choose_account",
                transaction=transaction,
                context={"email": address, "candidates": transaction.candidates},
            )
        transaction.step = "password"
        transaction.user_id = users[0].id if users else None
        transaction.connection_id = users[0].connection_id if users else None
        return Outcome(page="password", transaction=transaction, context={"email": address})

    async def _organization_hint(self, tx: Any, realm: Realm, requested: str | None, email: str) -> Any:
        if requested is not None:
            return await context_organization(tx, realm.id, requested)
        claim = await home_organization(tx.domains(realm.id), email)
        return await tx.organizations(realm.id).get(claim.organization_id) if claim else None

    async def _application(self, realm: Realm, transaction: LoginTransaction) -> Application | SamlApplication | None:
        client_id = transaction.request["client_id"]
        if transaction.protocol == "saml":
            return await self.configuration.saml_application(realm.id, client_id)
        return await self.configuration.application(realm.id, client_id)

    async def _application_name(self, realm: Realm, transaction: LoginTransaction) -> str | None:
        application = await self._application(realm, transaction)
        return application.name if application else None

    async def _prompt_page(
        self, realm: Realm, transaction: LoginTransaction, values: dict[str, str], *, error: str | None = None
    ) -> Outcome:
        """D3 before_login: the first page asks for an organization name or a work email."""
        application = await self._application_name(realm, transaction)
        context: dict[str, Any] = {"name": "", "email": "", **values, "application": application}
        if error is not None:
            context["error"] = error
        return Outcome(page="find_organization", transaction=transaction, status=400 if error else 200, context=context)

    async def find_organization(self, realm: Realm, transaction: LoginTransaction, name: str, email: str) -> Outcome:
        """D3 before_login: a name or a work email (D6) fixes the organization; an email is also the identifier."""
        if transaction.request.get("organization") is not None or (
            transaction.step != "find_organization" and transaction.organization_id is None
        ):
            return Outcome(
                page="error",
                status=400,
                transaction=transaction,
                context={"error": "invalid_request", "description": "This sign-in does not ask for an organization."},
            )
        async with self.ports.control.transaction() as tx:
            selection = await select_organization(tx, realm, name, email)
        if selection.organization is None:
            return await self._prompt_page(realm, transaction, {"name": name, "email": email}, error=selection.error)
        transaction.step, transaction.organization_id = "identifier", selection.organization.id
        if selection.email is not None:
            return await self.identify(realm, transaction, selection.email)
        return await self.identifier_page(realm, transaction, "")

    async def identifier_page(
        self, realm: Realm, transaction: LoginTransaction, email: str, *, error: str | None = None
    ) -> Outcome:
        """The email step, naming the application and the organization fixed so far, with sign-up if allowed."""
        if transaction.step == "find_organization":
            return await self._prompt_page(realm, transaction, {"email": email})
        requested = transaction.requested_organization()
        async with self.ports.control.transaction() as tx:
            application = await tx.applications(realm.id).by_client_id(transaction.request["client_id"])
            organization = await context_organization(tx, realm.id, requested)
            signup = await signup_target(tx, realm, requested)
        context: dict[str, Any] = {
            "email": email,
            "application": application.name if application else None,
            "organization": organization.display_name if organization else None,
            "signup": signup is not None,
        }
        if error is not None:
            context["error"] = error
        transaction.step = "identifier"
        return Outcome(page="identifier", transaction=transaction, status=400 if error else 200, context=context)

    def choose_account(self, transaction: LoginTransaction, user_id: str) -> Outcome:
        chosen = next((c for c in transaction.candidates if c["user_id"] == user_id), None)
        if chosen is None:
            return Outcome(
                page="choose_account",
                transaction=transaction,
                status=400,
                context={
                    "email": transaction.email,
                    "candidates": transaction.candidates,
                    "error": "Choose one of the accounts listed.",
                },
            )
        transaction.step, transaction.user_id, transaction.connection_id = (
            "password",
            chosen["user_id"],
            chosen["connection_id"],
        )
        return Outcome(page="password", transaction=transaction, context={"email": transaction.email})

    async def password(self, realm: Realm, transaction: LoginTransaction, password: str, ip: str) -> Outcome:
        """S6 throttling on (account, IP) and IP; S7 the same answer and cost for unknown users."""
        account = f"{transaction.connection_id}:{transaction.email}"
        verdict = await self.protection.check(realm.id, account, ip)
        if not verdict.allowed:
            return Outcome(
                page="locked", status=429, transaction=transaction, context={"retry_after": verdict.retry_after}
            )
        user, stored, plane = await self._credential(realm, transaction)
        matched = await self.ports.hasher.verify(stored, password)
        if not matched or user is None or user.blocked:
            after = await self.protection.failed(realm.id, account, ip)
            page = "password" if after.allowed else "locked"
            return Outcome(
                page=page,
                transaction=transaction,
                status=400 if after.allowed else 429,
                context={
                    "email": transaction.email,
                    "error": "Wrong email or password.",
                    "retry_after": after.retry_after,
                },
            )
        await self.protection.succeeded(realm.id, account, ip)
        if await refused_by_scim(self.ports, self.configuration, realm, user, plane):
            return Outcome(page="error", status=403, transaction=transaction, context=NOT_PROVISIONED)
        return await self._signed_in(realm, transaction, user, plane)

    async def invitation_page(
        self, realm: Realm, transaction: LoginTransaction | None, organization_ref: str | None, secret: str | None
    ) -> Outcome:
        """E1: the invitation's page (sign in or create an account), or why the link cannot be used (E3)."""
        opened = await self.invitations.open(realm, organization_ref, secret, transaction)
        if isinstance(opened, Refusal):
            return _refused(None, opened)
        return Outcome(page="invitation", transaction=opened, context=await self.invitations.page(realm, opened))

    async def _signed_in(self, realm: Realm, transaction: LoginTransaction, user: User, plane: DataPlane) -> Outcome:
        """The second factor when one is due (D8), else a new session, then the rest of the authorization.

        A user of a suspended customer (L7) gets no session.
        """
        if await self.customers.refuses(realm.id, transaction.organization_id, user.connection_id):
            return Outcome(page="error", status=403, context=SUSPENDED)
        gate = await self.mfa.after_first_factor(realm, transaction, user, plane)
        if gate is not None:
            return gate
        accepted = await self._accept_invitation(realm, transaction, user)
        if accepted is not None:
            return accepted
        session, value = await self._new_session(realm, plane, user)
        outcome = await self._finish(realm, transaction, session, plane)
        outcome.session_value = value
        return outcome

    async def _accept_invitation(self, realm: Realm, transaction: LoginTransaction, user: User) -> Outcome | None:
        """E2, once the user is fully authenticated (both factors when one is due).

        Without an application to return to, the invitation's page ends the login there, without a
        session (the user signs in to an application afterwards).
        """
        if transaction.invitation is None:
            return None
        refusal = await self.invitations.accept(realm, transaction, user)
        if refusal is not None:
            return _refused(transaction, refusal)
        if not transaction.request.get("client_id"):
            context = await self.invitations.page(realm, transaction)
            return Outcome(page="invitation_accepted", transaction=transaction, context=context)
        transaction.invitation = None
        return None

    async def _signup_target(self, realm: Realm, transaction: LoginTransaction) -> Target | None:
        if transaction.invitation is not None:
            return await self.invitations.signup_target(realm, transaction)
        return await self.signups.target(realm, transaction.requested_organization())

    async def federated(self, realm: Realm, transaction: LoginTransaction, user: User, plane: DataPlane) -> Outcome:
        """A user the upstream IdP authenticated (``FederatedLogin``) signs in like any other."""
        transaction.step, transaction.federation = "done", {}
        return await self._signed_in(realm, transaction, user, plane)

    async def signup_form(self, realm: Realm, transaction: LoginTransaction) -> Outcome:
        if transaction.step == "find_organization":
            return await self._prompt_page(realm, transaction, {})
        target = await self._signup_target(realm, transaction)
        if target is None:
            return _signup_closed(transaction)
        return _signup_page(transaction, target, transaction.email or "", "")

    async def signup(
        self, realm: Realm, transaction: LoginTransaction, email: str, name: str, password: str
    ) -> Outcome:
        """Create the account in the login's sign-up connection, then continue exactly as a password login."""
        if transaction.step == "find_organization":
            return await self._prompt_page(realm, transaction, {})
        target = await self._signup_target(realm, transaction)
        if target is None:
            return _signup_closed(transaction)
        other = self.invitations.other_email(transaction, email)
        if other is not None:
            return _signup_page(transaction, target, email, name, other)
        created = await self.signups.register(realm, target, email, name, password)
        if isinstance(created, Refused):
            return _signup_page(transaction, target, email, name, created.message)
        if transaction.invitation is None:
            self.mail_tokens.verify_later(realm, target.plane, created)
        transaction.email, transaction.user_id = created.email, created.id
        transaction.connection_id, transaction.plane_id = created.connection_id, target.plane.id
        return await self._signed_in(realm, transaction, created, target.plane)

    async def _credential(
        self, realm: Realm, transaction: LoginTransaction
    ) -> tuple[User | None, str | None, DataPlane]:
        plane = await self.configuration.plane(transaction.plane_id or realm.home_plane_id)
        assert plane is not None
        if transaction.user_id is None:
            return None, None, plane
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(transaction.user_id)
            stored = await data.credentials.password_hash(transaction.user_id) if user else None
        return user, stored, plane

    async def _new_session(self, realm: Realm, plane: DataPlane, user: User) -> tuple[Session, str]:
        """S8: every login gets a new session id, never the one the browser brought."""
        now = self.ports.clock.now()
        absolute = now + self.lifetimes.for_realm(realm).absolute
        return await self._open_session(realm, plane, user.id, user.connection_id, now, absolute)

    async def _open_session(
        self,
        realm: Realm,
        plane: DataPlane,
        user_id: str,
        connection_id: str,
        auth_time: datetime,
        absolute_expires_at: datetime,
        replaces: Session | None = None,
        mfa_at: datetime | None = None,
    ) -> tuple[Session, str]:
        """A session under a fresh 256-bit value; the one it replaces (if any) ends in the same transaction."""
        now = self.ports.clock.now()
        value = f"{plane.id}.{secrets.token_urlsafe(32)}"
        session = Session(
            digest(value),
            realm.id,
            user_id,
            connection_id,
            auth_time,
            now,
            now,
            min(now + self.lifetimes.for_realm(realm).idle, absolute_expires_at),
            absolute_expires_at,
            mfa_at=mfa_at,
        )
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.sessions.add(session)
            if replaces is not None:
                await data.sessions.revoke(replaces.id, now)
        return session, value

    async def _memberships(self, realm: Realm, plane: DataPlane, session: Session) -> list[dict[str, str]]:
        """The user's organizations that accept the connection they signed in with (B4)."""
        async with self.ports.planes.transaction(plane, realm.id) as data:
            ids = [m.organization_id for m in await data.memberships.for_user(session.user_id)]
        usable = []
        async with self.ports.control.transaction() as tx:
            for org_id in ids:
                organization = await tx.organizations(realm.id).get(org_id)
                enabled = {link.connection_id for link in await tx.connections(realm.id).enabled_for(org_id)}
                if organization is not None and session.connection_id in enabled:
                    usable.append(
                        {"id": organization.id, "name": organization.name, "display_name": organization.display_name}
                    )
        return usable

    async def _finish(self, realm: Realm, transaction: LoginTransaction, session: Session, plane: DataPlane) -> Outcome:
        request = transaction.authorization_request()
        application = await self._application(realm, transaction)
        assert application is not None
        await self.auto_membership.apply(realm, plane, session.user_id, transaction.requested_organization())
        memberships = await self._memberships(realm, plane, session)
        decision, organization_id = choose_organization(
            application.organization_usage,
            application.organization_prompt,
            transaction.requested_organization(),
            memberships,
        )
        if decision == "error" and transaction.organization_id is not None:
            return await self._not_a_member(realm, transaction)
        if decision == "error":
            return self._error_redirect(
                realm, request, "access_denied", "the user is not a member of a suitable organization"
            )
        if decision == "picker":
            if "none" in request.prompt:
                return self._error_redirect(realm, request, "interaction_required", "an organization must be chosen")
            transaction.step, transaction.organizations = "organization", memberships
            transaction.session_id, transaction.plane_id = session.id, plane.id
            transaction.user_id, transaction.auth_time = session.user_id, session.auth_time.timestamp()
            return Outcome(page="organization", transaction=transaction, context={"organizations": memberships})
        return await self._complete(realm, transaction, session, plane, organization_id)

    async def _not_a_member(self, realm: Realm, transaction: LoginTransaction) -> Outcome:
        """D3: the organization chosen before login must be one of the user's (B4 included)."""
        async with self.ports.control.transaction() as tx:
            organization = await context_organization(tx, realm.id, transaction.organization_id)
        shown = organization.display_name if organization else realm.settings.organization_label
        return Outcome(
            page="error",
            status=403,
            transaction=transaction,
            context={
                "error": "access_denied",
                "description": f"You are not a member of {shown}. Ask its administrator for an invitation, "
                f"or go back to the application to choose another {realm.settings.organization_label}.",
            },
        )

    async def pick(self, realm: Realm, transaction: LoginTransaction, organization_id: str) -> Outcome:
        if transaction.step != "organization" or organization_id not in {o["id"] for o in transaction.organizations}:
            return Outcome(
                page="organization",
                transaction=transaction,
                status=400,
                context={"organizations": transaction.organizations, "error": "Choose one of the list."},
            )
        plane = await self.configuration.plane(transaction.plane_id or "")
        assert plane is not None and transaction.session_id is not None
        async with self.ports.planes.transaction(plane, realm.id) as data:
            session = await data.sessions.get(transaction.session_id)
        limits = await self.lifetimes.for_context(realm, session.organization_id if session else None)
        if session is None or not limits.alive(session, self.ports.clock.now()):
            return Outcome(
                page="error",
                status=400,
                context={"error": "login_expired", "description": "Your sign-in expired. Start again."},
            )
        return await self._complete(realm, transaction, session, plane, organization_id)

    async def _complete(
        self,
        realm: Realm,
        transaction: LoginTransaction,
        session: Session,
        plane: DataPlane,
        organization_id: str | None,
    ) -> Outcome:
        """The organization's policy (D8, step-up MFA included), then one organization context per session
        (D7): a switch moves to a new session id (S8)."""
        request = transaction.authorization_request()
        gate = await self.mfa.step_up(realm, transaction, session, plane, organization_id)
        if gate is not None:
            if gate.page in ("mfa", "mfa_enrol") and "none" in request.prompt:
                return self._error_redirect(realm, request, "interaction_required", "a second factor is required")
            return gate
        value = None
        if session.organization_id is not None and session.organization_id != organization_id:
            session, value = await self._switched(realm, plane, session)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.sessions.set_organization(session.id, organization_id)
        outcome = await self._code(realm, transaction, session, plane, organization_id)
        outcome.session_value = value
        return outcome

    async def _switched(self, realm: Realm, plane: DataPlane, old: Session) -> tuple[Session, str]:
        return await self._open_session(
            realm,
            plane,
            old.user_id,
            old.connection_id,
            old.auth_time,
            old.absolute_expires_at,
            replaces=old,
            mfa_at=old.mfa_at,
        )

    async def second_factor(
        self, realm: Realm, transaction: LoginTransaction, form: dict[str, str], ip: str
    ) -> Outcome:
        """S9: a TOTP code, a recovery code or a passkey assertion at the MFA step, then the login goes on."""
        outcome = await self.mfa.submit(realm, transaction, form, ip)
        return outcome if outcome is not None else await self._after_second_factor(realm, transaction)

    async def enrol_factor(self, realm: Realm, transaction: LoginTransaction, form: dict[str, str], ip: str) -> Outcome:
        """D8: the first factor enrolled under a policy that requires MFA counts as this login's second factor."""
        outcome = await self.mfa.enrol(realm, transaction, form, ip)
        return outcome if outcome is not None else await self._after_second_factor(realm, transaction)

    async def _after_second_factor(self, realm: Realm, transaction: LoginTransaction) -> Outcome:
        """S8: a new session id after the second factor, whether at login or at a step-up."""
        plane = await self.configuration.plane(transaction.plane_id or "")
        assert plane is not None and transaction.user_id is not None and transaction.connection_id is not None
        now = self.ports.clock.now()
        if transaction.session_id is None:
            async with self.ports.planes.transaction(plane, realm.id) as data:
                user = await data.users.get(transaction.user_id)
            if user is None:
                return Outcome(
                    page="error", status=400, context={"error": "login_expired", "description": "Start again."}
                )
            accepted = await self._accept_invitation(realm, transaction, user)
            if accepted is not None:
                return accepted
            absolute = now + self.lifetimes.for_realm(realm).absolute
            user_id, connection_id = transaction.user_id, transaction.connection_id
            session, value = await self._open_session(realm, plane, user_id, connection_id, now, absolute, mfa_at=now)
            outcome = await self._finish(realm, transaction, session, plane)
        else:
            async with self.ports.planes.transaction(plane, realm.id) as data:
                old = await data.sessions.get(transaction.session_id)
            if old is None or old.revoked_at is not None:
                return Outcome(
                    page="error",
                    status=400,
                    context={"error": "login_expired", "description": "Your sign-in expired. Start again."},
                )
            session, value = await self._open_session(
                realm,
                plane,
                old.user_id,
                old.connection_id,
                old.auth_time,
                old.absolute_expires_at,
                replaces=old,
                mfa_at=now,
            )
            outcome = await self._complete(realm, transaction, session, plane, transaction.mfa_organization_id)
        outcome.session_value = outcome.session_value or value
        return outcome

    async def _code(
        self,
        realm: Realm,
        transaction: LoginTransaction,
        session: Session,
        plane: DataPlane,
        organization_id: str | None,
    ) -> Outcome:
        """J1: the realm's hooks run once authentication is done and before any code exists; a denial issues none.

        A SAML login then goes back to its SAML endpoint, which reads the session's organization context.
        """
        request = transaction.authorization_request()
        hooks = await self.hooks.run(realm, plane, request.client_id, session.user_id, organization_id)
        if hooks.denied is not None:
            context = {"error": "access_denied", "description": hooks.denied}
            return Outcome(page="error", status=403, context=context, transaction=transaction, hooks=hooks)
        if hooks.require_mfa and session.mfa_at is None:
            gate = await self.mfa.step_up(realm, transaction, session, plane, organization_id, required=True)
            if gate is not None:
                gate.hooks = hooks
                return gate
        if transaction.protocol == "saml":
            return Outcome(redirect=_redirect_with(request.redirect_uri, {"state": request.state}), hooks=hooks)
        code = await self.grants.issue_code(
            realm,
            plane,
            request,
            user_id=session.user_id,
            session_id=session.id,
            auth_time=session.auth_time,
            organization_id=organization_id,
            claims=hooks.token_claims,
        )
        return Outcome(
            redirect=_redirect_with(
                request.redirect_uri, {"code": code, "state": request.state, "iss": self.issuer(realm)}
            ),
            hooks=hooks,
        )

    async def logout(self, realm: Realm, session_value: str | None) -> None:
        """S8: the session and every token family it produced end at once, on every node.

        A session already past its idle limit is ended the same way: its refresh tokens would
        otherwise live on until its absolute limit.
        """
        plane = await self._plane_of(session_value)
        if plane is None or session_value is None:
            return
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            session = await data.sessions.get(digest(session_value))
            if session is None:
                return
            await data.sessions.revoke(session.id, now)
            await data.grants.revoke_families(now=now, session_id=session.id)

    async def switcher(self, realm: Realm, client_id: str | None, session_value: str | None) -> Outcome:
        """D7: the user's organizations; each starts a fresh authorization at the application."""
        application = await self.configuration.application(realm.id, client_id) if client_id else None
        if application is None or not application.initiate_login_uri:
            return Outcome(
                page="error",
                status=400,
                context={"error": "invalid_request", "description": "This application does not support switching."},
            )
        found = await self._live_session(realm, session_value)
        if found is None:
            return Outcome(
                page="error",
                status=401,
                context={"error": "login_required", "description": "Sign in to the application first."},
            )
        session, plane = found
        organizations = await self._memberships(realm, plane, session)
        links = [
            {
                **organization,
                "href": _redirect_with(application.initiate_login_uri, {"organization": organization["id"]}),
                "current": organization["id"] == session.organization_id,
            }
            for organization in organizations
        ]
        context = {"organizations": links, "application": application.name, "organization_id": session.organization_id}
        return Outcome(page="switcher", context=context)

    async def post_logout_target(self, realm: Realm, params: Mapping[str, str]) -> str | None:
        """Only a URI registered for the client named (or named by a valid id_token_hint) is followed."""
        uri, client_id = params.get("post_logout_redirect_uri"), params.get("client_id")
        hint = params.get("id_token_hint")
        if hint:
            keys = await self.grants.keys.jose_keys(realm.id)
            try:
                claims = jose.verify(
                    hint,
                    keys,
                    typ=jose.TYP_ID,
                    issuer=self.issuer(realm),
                    now=self.ports.clock.now(),
                    allow_expired=True,
                )
            except jose.InvalidToken:
                return None
            audience = claims.get("aud")
            if client_id is not None and client_id != audience:
                return None
            client_id = audience if isinstance(audience, str) else None
        if not uri or not client_id:
            return None
        async with self.ports.control.transaction() as tx:
            application = await tx.applications(realm.id).by_client_id(client_id)
        if application is None or uri not in application.post_logout_redirect_uris:
            return None
        return _redirect_with(uri, {"state": params.get("state")})


def request_stub(client_id: str, redirect_uri: str, params: Mapping[str, list[str]]) -> AuthorizationRequest:
    """Enough of a request to send an error back to a trusted redirect URI."""
    state = _first(params, "state")
    return AuthorizationRequest(client_id, redirect_uri, "", state, None, None, None, None, frozenset(), None, None)


def _signup_page(
    transaction: LoginTransaction, target: Target, email: str, name: str, error: str | None = None
) -> Outcome:
    context: dict[str, Any] = {"email": email, "name": name, "min_length": target.connection.password_policy.min_length}
    if error is not None:
        context["error"] = error
    return Outcome(page="signup", transaction=transaction, status=400 if error else 200, context=context)


def _refused(transaction: LoginTransaction | None, refusal: Refusal) -> Outcome:
    return Outcome(
        page="error",
        status=refusal.status,
        transaction=transaction,
        context={"error": refusal.error, "description": refusal.description},
    )


def _signup_closed(transaction: LoginTransaction) -> Outcome:
    return Outcome(
        page="error",
        status=403,
        transaction=transaction,
        context={"error": "signup_disabled", "description": "You cannot create an account here. Sign in instead."},
    )


def _all() -> PageRequest:
    return PageRequest(limit=200)


def _first(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None
