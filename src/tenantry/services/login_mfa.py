"""The second-factor step of the hosted login (SPEC D8, S8, S9; HOSTILE 61, 62).

After the first factor, a user is asked for a second one when the policy in force requires it or
when the user has enrolled a factor (as Auth0 and Keycloak do). A user the policy requires to use
MFA who has none enrols one (of the kinds the policy allows) before anything is issued. The step
is bound to its login transaction: it runs only at the ``mfa`` or ``mfa_enrol`` step, for the user
the first factor found, and its WebAuthn challenges are stored under the transaction's binding.
"""

from __future__ import annotations

from typing import Any

from tenantry.core.factor import Factor
from tenantry.core.grant import Session
from tenantry.core.plane import DataPlane
from tenantry.core.policy import Policy
from tenantry.core.realm import Realm
from tenantry.core.user import User
from tenantry.flows.login import LoginTransaction
from tenantry.tenancy.login_policy import enrollable_factors, factor_allowed, recovery_codes_allowed

from . import totp
from .configuration import Configuration
from .context import Ports
from .factors import Check, FactorService, Method
from .login_policy import LoginPolicy
from .outcome import Outcome, refused

WRONG = "That did not work. Try again with a new code, or another method."


def _not_waiting(transaction: LoginTransaction) -> Outcome:
    return refused(transaction, 400, "invalid_request", "This sign-in is not waiting for a second factor. Start again.")


def _locked(transaction: LoginTransaction, check: Check) -> Outcome:
    return Outcome(page="locked", status=429, transaction=transaction, context={"retry_after": check.retry_after})


class MfaStep:
    def __init__(self, ports: Ports, configuration: Configuration, factors: FactorService, policy: LoginPolicy):
        self.ports = ports
        self.configuration = configuration
        self.factors = factors
        self.policy = policy

    async def _user(self, realm: Realm, plane: DataPlane, user_id: str) -> User | None:
        async with self.ports.planes.transaction(plane, realm.id) as data:
            return await data.users.get(user_id)

    async def _plane(self, realm: Realm, transaction: LoginTransaction) -> DataPlane:
        plane = await self.configuration.plane(transaction.plane_id or realm.home_plane_id)
        assert plane is not None
        return plane

    async def _context_policy(self, realm: Realm, transaction: LoginTransaction) -> Policy:
        ref = transaction.mfa_organization_id or transaction.requested_organization()
        return (await self.policy.context(realm, ref))[1]

    async def after_first_factor(
        self, realm: Realm, transaction: LoginTransaction, user: User, plane: DataPlane
    ) -> Outcome | None:
        """The organization's refusals, then the MFA step when one is due; None lets the login go on."""
        organization, policy = await self.policy.context(realm, transaction.requested_organization())
        if organization is not None:
            blocked = await self.policy.after_authentication(
                realm, transaction, organization, user.connection_id, user.email
            )
            if blocked is not None:
                return blocked
        transaction.user_id, transaction.plane_id, transaction.connection_id = user.id, plane.id, user.connection_id
        transaction.email = user.email
        return await self.begin(realm, transaction, user, plane, policy)

    async def step_up(
        self,
        realm: Realm,
        transaction: LoginTransaction,
        session: Session,
        plane: DataPlane,
        organization_id: str | None,
        *,
        required: bool = False,
    ) -> Outcome | None:
        """Before a code: the organization's refusals, and MFA when the policy (or a post-login hook, J1:
        ``required``) asks for it and the session had none."""
        organization, policy = await self.policy.context(realm, organization_id)
        user = await self._user(realm, plane, session.user_id)
        if user is None:
            return None
        if organization is not None:
            blocked = await self.policy.after_authentication(
                realm, transaction, organization, session.connection_id, user.email
            )
            if blocked is not None:
                return blocked
        if not (policy.mfa_required or required) or session.mfa_at is not None:
            return None
        transaction.session_id, transaction.mfa_organization_id = session.id, organization_id
        transaction.user_id, transaction.plane_id, transaction.email = user.id, plane.id, user.email
        transaction.connection_id = session.connection_id
        required_policy = policy if policy.mfa_required else policy.model_copy(update={"mfa_required": True})
        return await self.begin(realm, transaction, user, plane, required_policy)

    async def begin(
        self, realm: Realm, transaction: LoginTransaction, user: User, plane: DataPlane, policy: Policy
    ) -> Outcome | None:
        factors, left = await self.factors.confirmed(realm, plane, user.id)
        if not factors and not policy.mfa_required:
            return None
        methods = _methods(policy, factors, left)
        if any(methods.values()):
            transaction.start_second_factor("mfa")
            return Outcome(page="mfa", transaction=transaction, context={"email": user.email, "methods": methods})
        kinds = enrollable_factors(policy)
        if not kinds:
            return refused(
                transaction, 403, "mfa_unavailable", "No second factor is allowed here. Ask your administrator."
            )
        transaction.start_second_factor("mfa_enrol")
        secret = None
        if "totp" in kinds:
            enrolment = await self.factors.begin_totp(realm, plane, user)
            transaction.mfa_factor_id, secret = enrolment.factor_id, enrolment.secret
        context = {"email": user.email, "kinds": kinds, "secret": secret}
        return Outcome(page="mfa_enrol", transaction=transaction, context=context)

    async def submit(
        self, realm: Realm, transaction: LoginTransaction, form: dict[str, str], ip: str
    ) -> Outcome | None:
        """One second-factor attempt at the ``mfa`` step; None when it passed."""
        if transaction.step != "mfa" or transaction.user_id is None or transaction.mfa_binding is None:
            return _not_waiting(transaction)
        plane = await self._plane(realm, transaction)
        policy = await self._context_policy(realm, transaction)
        method = form.get("method", "")
        if method not in ("totp", "webauthn", "recovery_code") or not factor_allowed(policy, method):
            return await self._again(realm, transaction, plane, policy, "Choose one of the methods offered.")
        value = form.get("credential" if method == "webauthn" else "code", "")
        check = await self.factors.verify(
            realm, plane, transaction.user_id, _method(method), value, ip, transaction.mfa_binding
        )
        if check.ok:
            transaction.step = "done"
            return None
        if check.retry_after:
            return _locked(transaction, check)
        return await self._again(realm, transaction, plane, policy, WRONG)

    async def _again(
        self, realm: Realm, transaction: LoginTransaction, plane: DataPlane, policy: Policy, error: str
    ) -> Outcome:
        assert transaction.user_id is not None
        factors, left = await self.factors.confirmed(realm, plane, transaction.user_id)
        context = {"email": transaction.email, "methods": _methods(policy, factors, left), "error": error}
        return Outcome(page="mfa", status=400, transaction=transaction, context=context)

    async def enrol(self, realm: Realm, transaction: LoginTransaction, form: dict[str, str], ip: str) -> Outcome | None:
        """Confirm the authenticator or register the passkey shown at ``mfa_enrol``; None when it is enrolled."""
        if transaction.step != "mfa_enrol" or transaction.user_id is None or transaction.mfa_binding is None:
            return _not_waiting(transaction)
        plane = await self._plane(realm, transaction)
        policy = await self._context_policy(realm, transaction)
        kinds = enrollable_factors(policy)
        method = form.get("method", "")
        if method == "totp" and "totp" in kinds and transaction.mfa_factor_id:
            code = form.get("code", "")
            check = await self.factors.confirm_totp(
                realm, plane, transaction.user_id, transaction.mfa_factor_id, code, ip
            )
        elif method == "webauthn" and "webauthn" in kinds:
            added = await self.factors.add_passkey(
                realm, plane, transaction.user_id, transaction.mfa_binding, form.get("credential", ""), "Passkey"
            )
            check = Check(added)
        else:
            check = Check(False)
        if check.ok:
            transaction.step, transaction.mfa_factor_id = "done", None
            return None
        if check.retry_after:
            return _locked(transaction, check)
        secret = await self.pending_secret(realm, transaction)
        context: dict[str, Any] = {"email": transaction.email, "kinds": kinds, "secret": secret, "error": WRONG}
        return Outcome(page="mfa_enrol", status=400, transaction=transaction, context=context)

    async def pending_secret(self, realm: Realm, transaction: LoginTransaction) -> str | None:
        if transaction.step != "mfa_enrol" or not transaction.mfa_factor_id or transaction.user_id is None:
            return None
        plane = await self._plane(realm, transaction)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            factor = await data.factors.get(transaction.mfa_factor_id)
        if factor is None or factor.user_id != transaction.user_id or factor.secret is None or factor.confirmed:
            return None
        return self.ports.secrets.open(factor.secret).decode()

    async def qr_code(self, realm: Realm, transaction: LoginTransaction) -> str | None:
        """The pending authenticator's QR code (SVG), served from the login's own origin."""
        secret = await self.pending_secret(realm, transaction)
        if secret is None or transaction.email is None:
            return None
        return totp.qr_svg(totp.provisioning_uri(secret, transaction.email, realm.display_name))

    async def passkey_options(self, realm: Realm, transaction: LoginTransaction) -> str | None:
        """Fresh WebAuthn options for this step, with a challenge stored under the transaction's binding."""
        if transaction.user_id is None or transaction.mfa_binding is None:
            return None
        plane = await self._plane(realm, transaction)
        if transaction.step == "mfa":
            return await self.factors.passkey_authentication(realm, plane, transaction.user_id, transaction.mfa_binding)
        if transaction.step != "mfa_enrol":
            return None
        user = await self._user(realm, plane, transaction.user_id)
        if user is None:
            return None
        return await self.factors.passkey_registration(realm, plane, user, transaction.mfa_binding)


def _methods(policy: Policy, factors: list[Factor], recovery_left: int) -> dict[str, bool]:
    kinds = {factor.kind for factor in factors}
    return {
        "totp": "totp" in kinds and factor_allowed(policy, "totp"),
        "webauthn": "webauthn" in kinds and factor_allowed(policy, "webauthn"),
        "recovery_code": recovery_left > 0 and recovery_codes_allowed(policy),
    }


def _method(value: str) -> Method:
    return "totp" if value == "totp" else "webauthn" if value == "webauthn" else "recovery_code"
