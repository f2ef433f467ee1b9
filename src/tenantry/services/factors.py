"""A user's second factors: enrolment, verification and removal (SPEC D8, S9; HOSTILE 61, 66).

Every verification goes through the brute-force protection under the account key
``mfa:<user id>`` (S6): ten wrong codes from one address lock that pair, whatever the factor.
TOTP secrets are sealed by the SecretStore before they are stored; a code is accepted once per
time step (``use_step``); recovery codes are stored as digests and each is used once; a WebAuthn
challenge is stored server-side under its binding (a login transaction or a session) and taken once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from tenantry.core.factor import Challenge, Factor, Purpose, challenge_id, new_recovery_codes, recovery_code_digest
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import User

from . import passkeys, totp
from .attack_protection import AttackProtection
from .context import Ports

Method = Literal["totp", "webauthn", "recovery_code"]
CHALLENGE_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    retry_after: int = 0
    """Seconds the caller must wait (429) when the failure locked the account; 0 otherwise."""


def account(user_id: str) -> str:
    return f"mfa:{user_id}"


class FactorService:
    def __init__(self, ports: Ports, protection: AttackProtection):
        self.ports = ports
        self.protection = protection

    def relying_party(self, realm: Realm) -> passkeys.RelyingParty:
        name = realm.settings.branding.display_name or realm.display_name
        return passkeys.RelyingParty.of(realm.issuer(self.ports.base_url), name)

    async def confirmed(self, realm: Realm, plane: DataPlane, user_id: str) -> tuple[list[Factor], int]:
        """The user's usable factors and how many unused recovery codes are left."""
        async with self.ports.planes.transaction(plane, realm.id) as data:
            factors = [factor for factor in await data.factors.for_user(user_id) if factor.confirmed]
            left = await data.factors.recovery_codes_left(user_id)
        return factors, left

    async def begin_totp(self, realm: Realm, plane: DataPlane, user: User) -> totp.TotpEnrolment:
        """A pending authenticator; it counts once ``confirm_totp`` has seen a first code from it."""
        secret = totp.new_secret()
        factor = Factor(
            id=self.ports.new_id("mfa"),
            realm_id=realm.id,
            user_id=user.id,
            kind="totp",
            label="Authenticator app",
            created_at=self.ports.clock.now(),
            secret=self.ports.secrets.seal(secret.encode()),
        )
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.factors.delete_unconfirmed(user.id)
            await data.factors.add(factor)
        uri = totp.provisioning_uri(secret, user.email, realm.display_name)
        return totp.TotpEnrolment(factor.id, secret, uri)

    async def confirm_totp(
        self, realm: Realm, plane: DataPlane, user_id: str, factor_id: str, code: str, ip: str
    ) -> Check:
        async def attempt() -> bool:
            async with self.ports.planes.transaction(plane, realm.id) as data:
                factor = await data.factors.get(factor_id)
                if factor is None or factor.user_id != user_id or factor.kind != "totp" or factor.confirmed:
                    return False
                step = totp.matching_step(self._secret(factor), code, self.ports.clock.now())
                if step is None or not await data.factors.use_step(factor.id, step, self.ports.clock.now()):
                    return False
                return await data.factors.confirm(factor.id, self.ports.clock.now())

        return await self._guarded(realm, user_id, ip, attempt)

    async def verify(
        self, realm: Realm, plane: DataPlane, user_id: str, method: Method, value: str, ip: str, binding: str = ""
    ) -> Check:
        """One second-factor attempt: TOTP (single use per step), a recovery code, or a passkey assertion."""

        async def attempt() -> bool:
            if method == "totp":
                return await self._totp(realm, plane, user_id, value)
            if method == "recovery_code":
                return await self._recovery_code(realm, plane, user_id, value)
            return await self._assertion(realm, plane, user_id, value, binding)

        return await self._guarded(realm, user_id, ip, attempt)

    async def _guarded(self, realm: Realm, user_id: str, ip: str, attempt: Callable[[], Awaitable[bool]]) -> Check:
        verdict = await self.protection.check(realm.id, account(user_id), ip)
        if not verdict.allowed:
            return Check(False, verdict.retry_after)
        if await attempt():
            await self.protection.succeeded(realm.id, account(user_id), ip)
            return Check(True)
        after = await self.protection.failed(realm.id, account(user_id), ip)
        return Check(False, after.retry_after)

    def _secret(self, factor: Factor) -> str:
        assert factor.secret is not None
        return self.ports.secrets.open(factor.secret).decode()

    async def _totp(self, realm: Realm, plane: DataPlane, user_id: str, code: str) -> bool:
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            for factor in await data.factors.for_user(user_id):
                if factor.kind != "totp" or not factor.confirmed:
                    continue
                step = totp.matching_step(self._secret(factor), code, now)
                if step is not None:
                    return await data.factors.use_step(factor.id, step, now)
        return False

    async def _recovery_code(self, realm: Realm, plane: DataPlane, user_id: str, code: str) -> bool:
        digest = recovery_code_digest(user_id, code)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            return await data.factors.use_recovery_code(user_id, digest, self.ports.clock.now())

    async def _assertion(self, realm: Realm, plane: DataPlane, user_id: str, credential: str, binding: str) -> bool:
        credential_id = passkeys.credential_id_of(credential)
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            challenge = await data.factors.take_challenge(challenge_id("authenticate", binding), now)
            factor = await data.factors.by_credential_id(credential_id) if credential_id else None
        if challenge is None or challenge.user_id != user_id or factor is None or factor.user_id != user_id:
            return False
        assert factor.public_key is not None
        count = passkeys.verify_assertion(
            self.relying_party(realm), challenge.challenge, credential, factor.public_key, factor.sign_count
        )
        if count is None:
            return False
        async with self.ports.planes.transaction(plane, realm.id) as data:
            return await data.factors.advance_sign_count(factor.id, count, now)

    async def _challenge(self, realm: Realm, plane: DataPlane, user_id: str, purpose: Purpose, binding: str) -> str:
        now = self.ports.clock.now()
        value = passkeys.new_challenge()
        challenge = Challenge(
            challenge_id(purpose, binding),
            realm.id,
            user_id,
            purpose,
            value,
            now,
            now + CHALLENGE_LIFETIME,
        )
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.factors.add_challenge(challenge)
        return value

    async def passkey_authentication(self, realm: Realm, plane: DataPlane, user_id: str, binding: str) -> str | None:
        """Options for ``navigator.credentials.get``, or None when the user has no passkey."""
        factors, _ = await self.confirmed(realm, plane, user_id)
        ids = [f.credential_id for f in factors if f.kind == "webauthn" and f.credential_id]
        if not ids:
            return None
        challenge = await self._challenge(realm, plane, user_id, "authenticate", binding)
        return passkeys.authentication_options(self.relying_party(realm), challenge, ids)

    async def passkey_registration(self, realm: Realm, plane: DataPlane, user: User, binding: str) -> str:
        factors, _ = await self.confirmed(realm, plane, user.id)
        existing = [f.credential_id for f in factors if f.kind == "webauthn" and f.credential_id]
        challenge = await self._challenge(realm, plane, user.id, "register", binding)
        return passkeys.registration_options(self.relying_party(realm), user.id, user.email, challenge, existing)

    async def add_passkey(
        self, realm: Realm, plane: DataPlane, user_id: str, binding: str, credential: str, label: str
    ) -> bool:
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            challenge = await data.factors.take_challenge(challenge_id("register", binding), now)
        if challenge is None or challenge.user_id != user_id:
            return False
        made = passkeys.verify_registration(self.relying_party(realm), challenge.challenge, credential)
        if made is None:
            return False
        factor = Factor(
            id=self.ports.new_id("mfa"),
            realm_id=realm.id,
            user_id=user_id,
            kind="webauthn",
            label=(label.strip() or "Passkey")[:64],
            created_at=now,
            confirmed_at=now,
            credential_id=made.credential_id,
            public_key=made.public_key,
            sign_count=made.sign_count,
        )
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.factors.add(factor)
        return True

    async def new_recovery_codes(self, realm: Realm, plane: DataPlane, user_id: str) -> list[str]:
        """Ten fresh codes, shown once; the previous set stops working in the same transaction."""
        codes = new_recovery_codes()
        async with self.ports.planes.transaction(plane, realm.id) as data:
            await data.factors.replace_recovery_codes(
                user_id, [recovery_code_digest(user_id, code) for code in codes], self.ports.clock.now()
            )
        return codes

    async def remove(self, realm: Realm, plane: DataPlane, user_id: str, factor_id: str) -> bool:
        async with self.ports.planes.transaction(plane, realm.id) as data:
            removed = await data.factors.delete(user_id, factor_id)
            if removed and not [f for f in await data.factors.for_user(user_id) if f.confirmed]:
                await data.factors.replace_recovery_codes(user_id, [], self.ports.clock.now())
        return removed
