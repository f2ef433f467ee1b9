"""A realm's signing keys (SPEC S2, HOSTILE 64-65): ES256 and RS256, each bound to one issuer.

A key's status is never stored (except revocation); it is computed from timestamps and the
caller's clock, so every node reaches the same answer without a scheduler:

- ``next``: published in the JWKS, not yet used for signing (``now < activates_at``);
- ``active``: activated and not yet superseded, the one that signs;
- ``retiring``: its successor has activated (``superseded_at``); still published until
  ``retire_after`` so the tokens it signed stay verifiable until they expire;
- ``retired``: superseded and past ``retire_after``, or bound to an issuer the realm no longer
  has; out of the JWKS, never used again;
- ``revoked``: withdrawn at once (a compromised key); out of the JWKS, its tokens fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

KeyAlgorithm = Literal["ES256", "RS256"]
KeyStatus = Literal["next", "active", "retiring", "retired", "revoked"]
ALGORITHMS: tuple[KeyAlgorithm, ...] = ("ES256", "RS256")
"""ES256 signs access tokens (8x cheaper than RS256); RS256 stays for ID tokens of clients that need it."""
PUBLISHED: frozenset[KeyStatus] = frozenset({"next", "active", "retiring"})
"""The statuses a verifier may see in the JWKS and accept a signature from."""


@dataclass(slots=True)
class KeyRecord:
    """A key as stored: the private key only sealed under the master key, the status only as times."""

    kid: str
    realm_id: str
    issuer: str
    alg: KeyAlgorithm
    public_jwk: dict[str, Any]
    sealed_private_key: str = field(repr=False)
    created_at: datetime
    activates_at: datetime
    superseded_at: datetime | None = None
    """Set when a successor is scheduled: the successor's ``activates_at``, when this key stops signing."""
    retire_after: datetime | None = None
    """Set with ``superseded_at``: that moment plus the longest token lifetime, when it leaves the JWKS."""
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key with its computed status. ``private_pem`` is filled only for signing, never listed."""

    kid: str
    realm_id: str
    issuer: str
    alg: KeyAlgorithm
    status: KeyStatus
    public_jwk: dict[str, Any]
    created_at: datetime
    activates_at: datetime | None
    retire_after: datetime | None
    private_pem: bytes = field(default=b"", repr=False)


def status(record: KeyRecord, issuer: str, now: datetime) -> KeyStatus:
    """The status of one key at ``now`` for a realm whose issuer is ``issuer``; a pure function of its times."""
    if record.revoked_at is not None:
        return "revoked"
    if record.issuer != issuer:
        return "retired"
    if now < record.activates_at:
        return "next"
    if record.superseded_at is None or now < record.superseded_at:
        return "active"
    if record.retire_after is not None and now < record.retire_after:
        return "retiring"
    return "retired"


def signer(records: Iterable[KeyRecord], alg: str, issuer: str, now: datetime) -> KeyRecord | None:
    """The key that signs for ``alg``: the newest active one (there is one unless an admin change is racing)."""
    active = [item for item in records if item.alg == alg and status(item, issuer, now) == "active"]
    return max(active, key=lambda item: (item.activates_at, item.kid), default=None)


def next_change(records: Iterable[KeyRecord], now: datetime) -> datetime | None:
    """The first moment after ``now`` at which any key's status changes by the clock alone (not by a write)."""
    moments = [
        moment
        for record in records
        for moment in (record.activates_at, record.superseded_at, record.retire_after)
        if moment is not None and moment > now
    ]
    return min(moments, default=None)


def view(record: KeyRecord, status: KeyStatus, private_pem: bytes = b"") -> SigningKey:
    return SigningKey(
        kid=record.kid,
        realm_id=record.realm_id,
        issuer=record.issuer,
        alg=record.alg,
        status=status,
        public_jwk=dict(record.public_jwk),
        created_at=record.created_at,
        activates_at=record.activates_at,
        retire_after=record.retire_after,
        private_pem=private_pem,
    )


def views(records: Iterable[KeyRecord], issuer: str, now: datetime) -> list[SigningKey]:
    """Every key with its status and without private material, oldest first (kids are time-sortable)."""
    return [view(record, status(record, issuer, now)) for record in sorted(records, key=lambda item: item.kid)]
