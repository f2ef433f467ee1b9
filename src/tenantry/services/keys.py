"""Per-realm signing keys for the OpenID provider (SPEC S2, HOSTILE 11, 40, 64, 65).

Each realm has an active ES256 key (access tokens) and an active RS256 key (ID tokens, for the
applications that choose it). A key is bound to the realm's issuer when it is made, and a key
whose issuer is no longer the realm's (the custom domain or the base URL changed) never signs
again: the realm gets new keys for its new issuer on first use. Private keys are stored only
sealed by the SecretStore; ``list`` and ``jwks`` never carry private material.

Rotation (``rotate``, ``tenantry keys rotate``): the new key is stored as ``next`` with
``activates_at = now + key_publish_seconds``. It is in the JWKS at once, so verifiers that cache
the JWKS know its kid before any token carries it, and it starts signing only at ``activates_at``.
At that moment the previous key becomes ``retiring``: it stays in the JWKS until
``retire_after = activates_at + key_retire_seconds`` (the longest token lifetime), so the tokens it
signed stay valid until they expire, and it is ``retired`` (out of the JWKS) after that. One
rotation per algorithm may be pending; another answers 409 ``rotation_pending``.

Revocation (``revoke``): a compromised key leaves the JWKS at once and its tokens fail at once
(HOSTILE 65). A revoked active key is replaced in the same transaction: the pending ``next`` key
is activated early, or a fresh key signs from now on. Revoking a pending ``next`` key cancels the
rotation: the active key keeps signing and will not retire.

Statuses are never stored; they are computed on every read from the stored times and the Clock
port (``tenantry.core.signing_key.status``), so several nodes agree without a scheduler. Changes
run under a per-realm lock, so concurrent ``ensure`` calls make one key per algorithm.
"""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from typing import Any

from tenantry.core.errors import Conflict, NotFound, Unavailable
from tenantry.core.ids import has_prefix
from tenantry.core.realm import Realm
from tenantry.core.signing_key import (
    ALGORITHMS,
    PUBLISHED,
    KeyAlgorithm,
    KeyRecord,
    SigningKey,
    next_change,
    signer,
    status,
    view,
    views,
)
from tenantry.ports.control import ControlTransaction
from tenantry.protocols import jose

from . import lookup
from .access import Actor, require, system_actor
from .audit import record
from .cache import ControlCache
from .context import Ports
from .key_material import KeyMaterial, algorithm, generate, new_record

KEYS_ACTOR = system_actor("keys")
"""Who the audit log names for keys made on first use, when no admin asked for them."""


async def _realm(tx: ControlTransaction, realm_id: str) -> Realm:
    found = await tx.realms.get(realm_id)
    if found is None:
        raise NotFound("no such realm", code="realm_not_found")
    return found


async def add_first_keys(ports: Ports, tx: ControlTransaction, realm: Realm, made: list[KeyMaterial]) -> list[str]:
    """A new realm's keys, active at once, written in the transaction that creates the realm."""
    kids = []
    for material in made:
        key = new_record(ports, realm, material, now=realm.created_at, activates_at=realm.created_at)
        await tx.signing_keys(realm.id).add(key)
        kids.append(key.kid)
    return kids


class KeyService:
    def __init__(self, ports: Ports, cache: ControlCache):
        self.ports = ports
        self.cache = cache

    def _issuer(self, realm: Realm) -> str:
        return realm.issuer(self.ports.base_url)

    async def _read(self, realm_id: str) -> tuple[Realm, builtins.list[KeyRecord]]:
        """The realm with its keys, through the cache: a key's status is computed from times at each use."""

        async def load() -> tuple[Realm, builtins.list[KeyRecord]]:
            async with self.ports.control.transaction() as tx:
                realm = await _realm(tx, realm_id)
                return realm, await tx.signing_keys(realm_id).all()

        return await self.cache.get(("signing-keys", realm_id), load)

    async def _opened(self, key: KeyRecord) -> bytes:
        async def load() -> bytes:
            return self.ports.secrets.open(key.sealed_private_key)

        return await self.cache.get(("private-key", key.kid), load)

    def _missing(self, realm: Realm, records: builtins.list[KeyRecord]) -> builtins.list[KeyAlgorithm]:
        now = self.ports.clock.now()
        return [alg for alg in ALGORITHMS if signer(records, alg, self._issuer(realm), now) is None]

    async def _usable(self, realm_id: str) -> tuple[Realm, builtins.list[KeyRecord]]:
        """The realm and its keys, with an active key for every algorithm (made on first use)."""
        realm, records = await self._read(realm_id)
        if self._missing(realm, records):
            await self.ensure(realm_id)
            realm, records = await self._read(realm_id)
        return realm, records

    # The provider's side: the realm id comes from the edge's realm resolution, there is no actor.

    async def ensure(self, realm_id: str) -> None:
        """Give each algorithm an active key for the realm's current issuer; idempotent and race-safe.

        Key pairs are made before the transaction (RSA takes CPU); inside it, under the realm's key
        lock, only what is still missing is added, so a caller that lost a race adds nothing.
        """
        realm, records = await self._read(realm_id)
        missing = self._missing(realm, records)
        if not missing:
            return
        now = self.ports.clock.now()
        waiting = {item.alg for item in records if status(item, self._issuer(realm), now) == "next"}
        made = {alg: await generate(alg) for alg in missing if alg not in waiting}  # a waiting key is used instead
        async with self.ports.control.transaction() as tx:
            await tx.signing_keys(realm_id).lock()
            await self._complete(tx, await _realm(tx, realm_id), KEYS_ACTOR, made)

    async def signing_key(self, realm_id: str, alg: str) -> SigningKey:
        """The active key for ``alg`` with its private PEM opened; raises ``Unavailable`` if there is none.

        A ``next`` key never signs before its ``activates_at``, and a key bound to another issuer never signs.
        """
        chosen = algorithm(alg)
        entry = ("signer", realm_id, chosen)
        key, until = await self.cache.get(entry, lambda: self._signer(realm_id, chosen))
        if until is not None and self.ports.clock.now() >= until:
            self.cache.drop(entry)
            key, until = await self.cache.get(entry, lambda: self._signer(realm_id, chosen))
        return key

    async def _signer(self, realm_id: str, alg: KeyAlgorithm) -> tuple[SigningKey, datetime | None]:
        """The signing key and the moment the choice may change by time alone (a rotation taking effect)."""
        realm, records = await self._usable(realm_id)
        now = self.ports.clock.now()
        key = signer(records, alg, self._issuer(realm), now)
        if key is None:
            raise Unavailable("the realm has no active signing key", code="signing_key_unavailable")
        return view(key, "active", await self._opened(key)), next_change(records, now)

    async def verification_keys(self, realm_id: str) -> builtins.list[SigningKey]:
        """The keys a token of this realm may be signed with: ``next``, ``active`` and ``retiring``, any algorithm."""
        realm, records = await self._usable(realm_id)
        return [key for key in views(records, self._issuer(realm), self.ports.clock.now()) if key.status in PUBLISHED]

    async def published_with_private(self, realm_id: str, alg: str) -> builtins.list[SigningKey]:
        """The published keys of ``alg`` with their private PEMs, active first: for artefacts a key must sign
        itself, such as the self-signed certificates of SAML metadata, which list a ``next`` key too."""
        chosen = algorithm(alg)
        realm, records = await self._usable(realm_id)
        issuer, now = self._issuer(realm), self.ports.clock.now()
        order = {"active": 0, "next": 1, "retiring": 2}
        chosen_records = [item for item in records if item.alg == chosen and status(item, issuer, now) in PUBLISHED]
        chosen_records.sort(key=lambda item: (order[status(item, issuer, now)], item.kid))
        return [view(item, status(item, issuer, now), await self._opened(item)) for item in chosen_records]

    async def jose_keys(self, realm_id: str) -> builtins.list[jose.JoseKey]:
        """The verification keys as the protocol layer's JOSE verifier takes them."""
        return [jose.JoseKey(key.kid, key.alg, key.public_jwk) for key in await self.verification_keys(realm_id)]

    async def jwks(self, realm_id: str) -> dict[str, Any]:
        """RFC 7517 JWK Set of the verification keys: public members with ``kid``, ``alg`` and ``use: sig``."""
        return {"keys": [dict(key.public_jwk) for key in await self.verification_keys(realm_id)]}

    # The admin side.

    async def list(self, actor: Actor, realm_ref: str) -> builtins.list[SigningKey]:
        """Every key of the realm, oldest first, with its status; never the private key."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "realms:read", realm_level=True)
            records = await tx.signing_keys(realm.id).all()
        return views(records, self._issuer(realm), self.ports.clock.now())

    async def rotate(self, actor: Actor, realm_ref: str, alg: str) -> SigningKey:
        """Publish a successor for ``alg`` now; it signs from ``now + key_publish_seconds``.

        The current key is marked to stop signing then (``superseded_at``) and to leave the JWKS
        ``key_retire_seconds`` later (``retire_after``). 409 ``rotation_pending`` while a ``next`` key waits.
        """
        chosen = algorithm(alg)
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "realms:write", realm_level=True)
            self._refuse_pending(realm, await tx.signing_keys(realm.id).all(), chosen)
        material = await generate(chosen)
        async with self.ports.control.transaction() as tx:
            repo = tx.signing_keys(realm.id)
            await repo.lock()
            realm = await lookup.realm(tx, actor, realm.id)
            await self._complete(tx, realm, actor, {})
            records = await repo.all()
            self._refuse_pending(realm, records, chosen)
            now = self.ports.clock.now()
            issuer = self._issuer(realm)
            successor = new_record(
                self.ports,
                realm,
                material,
                now=now,
                activates_at=now + timedelta(seconds=self.ports.key_publish_seconds),
            )
            await repo.add(successor)
            replaced = [item for item in records if item.alg == chosen and status(item, issuer, now) == "active"]
            for current in replaced:
                current.superseded_at = successor.activates_at
                current.retire_after = successor.activates_at + timedelta(seconds=self.ports.key_retire_seconds)
                await repo.update(current)
            await record(
                tx,
                actor,
                "signing_key.rotated",
                "signing_key",
                successor.kid,
                realm_id=realm.id,
                details={
                    "alg": chosen,
                    "replaces": [item.kid for item in replaced],
                    "activates_at": successor.activates_at.isoformat(),
                },
            )
        return view(successor, status(successor, issuer, now))

    async def revoke(self, actor: Actor, realm_ref: str, kid: str) -> SigningKey:
        """Withdraw a key at once (HOSTILE 65); an active key is replaced in the same transaction.

        Revoking a key that is already revoked changes nothing and answers it as it is.
        """
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            repo = tx.signing_keys(realm.id)
            if not has_prefix(kid, "key") or await repo.get(kid) is None:
                raise NotFound("no such signing key", code="signing_key_not_found")
            require(actor, "realms:write", realm_level=True)
            await repo.lock()
            target = await repo.get(kid)
            now = self.ports.clock.now()
            issuer = self._issuer(realm)
            if target is None:
                raise NotFound("no such signing key", code="signing_key_not_found")
            before = status(target, issuer, now)
            if before == "revoked":
                return view(target, before)
            target.revoked_at = now
            await repo.update(target)
            if before == "next":
                await self._cancel_rotation(tx, realm, target.alg)
            await record(
                tx,
                actor,
                "signing_key.revoked",
                "signing_key",
                target.kid,
                realm_id=realm.id,
                details={"alg": target.alg, "status": before},
            )
            await self._complete(tx, realm, actor, {})
        return view(target, "revoked")

    # Shared steps, inside a transaction that holds the realm's key lock.

    async def _complete(
        self, tx: ControlTransaction, realm: Realm, actor: Actor, made: dict[KeyAlgorithm, KeyMaterial]
    ) -> None:
        """Each algorithm without an active key gets one: its pending ``next`` key early, or a new key."""
        repo = tx.signing_keys(realm.id)
        records = await repo.all()
        issuer = self._issuer(realm)
        now = self.ports.clock.now()
        for alg in ALGORITHMS:
            if signer(records, alg, issuer, now) is not None:
                continue
            pending = [item for item in records if item.alg == alg and status(item, issuer, now) == "next"]
            if pending:
                early = min(pending, key=lambda item: (item.activates_at, item.kid))
                early.activates_at = now
                await repo.update(early)
                await record(
                    tx,
                    actor,
                    "signing_key.activated",
                    "signing_key",
                    early.kid,
                    realm_id=realm.id,
                    details={"alg": alg},
                )
                continue
            material = made.get(alg) or await generate(alg)
            key = new_record(self.ports, realm, material, now=now, activates_at=now)
            await repo.add(key)
            await record(
                tx, actor, "signing_key.created", "signing_key", key.kid, realm_id=realm.id, details={"alg": alg}
            )

    async def _cancel_rotation(self, tx: ControlTransaction, realm: Realm, alg: str) -> None:
        """The successor is gone: the active key of ``alg`` keeps signing and is no longer due to retire."""
        repo = tx.signing_keys(realm.id)
        issuer = self._issuer(realm)
        now = self.ports.clock.now()
        for item in await repo.all():
            if item.alg == alg and item.superseded_at is not None and status(item, issuer, now) == "active":
                item.superseded_at = None
                item.retire_after = None
                await repo.update(item)

    def _refuse_pending(self, realm: Realm, records: builtins.list[KeyRecord], alg: KeyAlgorithm) -> None:
        issuer = self._issuer(realm)
        now = self.ports.clock.now()
        pending = [item for item in records if item.alg == alg and status(item, issuer, now) == "next"]
        if pending:
            raise Conflict(
                "a rotation is already pending for this algorithm",
                code="rotation_pending",
                details={"kid": pending[0].kid, "activates_at": pending[0].activates_at.isoformat()},
            )
