"""Second factors of a user (SPEC D8, S9): TOTP authenticators, passkeys and one-time recovery codes.

Factors live in the user's data plane beside the user. A TOTP secret is stored sealed by the
SecretStore; a passkey stores only its public key; recovery codes are stored as digests.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

FactorKind = Literal["totp", "webauthn"]
"""Kinds stored as a factor row; recovery codes are a set of digests of their own."""
Purpose = Literal["register", "authenticate"]
ENROLLABLE: tuple[FactorKind, ...] = ("totp", "webauthn")
RECOVERY_CODE = "recovery_code"
RECOVERY_CODES = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""No 0/o, 1/l/i: codes are read off paper."""
_CODE_GROUPS, _CODE_GROUP_LENGTH = 4, 4


@dataclass(slots=True)
class Factor:
    id: str
    realm_id: str
    user_id: str
    kind: FactorKind
    label: str
    created_at: datetime
    confirmed_at: datetime | None = None
    """A TOTP factor counts only once the user proved it with a first code."""
    secret: str | None = None
    """TOTP: the base32 secret, sealed by the SecretStore."""
    credential_id: str | None = None
    """WebAuthn: the credential id, base64url."""
    public_key: str | None = None
    """WebAuthn: the COSE public key, base64url."""
    sign_count: int = 0
    last_step: int | None = None
    """TOTP: the last time step accepted; a code of this step or an earlier one is refused (single use)."""
    last_used_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(slots=True, frozen=True)
class Challenge:
    """A WebAuthn challenge kept server-side, bound to one login transaction or one session, used once."""

    id: str
    """Digest of (purpose, binding): only the holder of the binding finds it again."""
    realm_id: str
    user_id: str
    purpose: Purpose
    challenge: str
    """Base64url of the random challenge bytes."""
    created_at: datetime
    expires_at: datetime


def challenge_id(purpose: str, binding: str) -> str:
    return hashlib.sha256(f"{purpose}:{binding}".encode()).hexdigest()


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes of 16 characters from a 31-letter alphabet (about 79 bits), shown as four groups."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_GROUPS * _CODE_GROUP_LENGTH))
        codes.append("-".join(raw[i : i + _CODE_GROUP_LENGTH] for i in range(0, len(raw), _CODE_GROUP_LENGTH)))
    return codes


def normalise_recovery_code(code: str) -> str:
    """What the user typed, without spaces, dashes or case."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def recovery_code_digest(user_id: str, code: str) -> str:
    """High-entropy random codes: a SHA-256 keyed by the user id is enough (as for machine tokens)."""
    return hashlib.sha256(f"{user_id}:{normalise_recovery_code(code)}".encode()).hexdigest()
