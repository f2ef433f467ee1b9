"""Invitations to an organization (SPEC E1-E4) and single-use mail tokens (email verification, password reset).

Both are proven by a high-entropy secret sent by mail; only its SHA-256 digest is stored. A mail
token is typed by realm and kind, so a verification token never works as a reset token (HOSTILE 50).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

INVITATION_TTL = timedelta(days=7)
"""E1: the default expiry of an invitation."""
MAX_INVITATION_DAYS = 30
MAIL_TOKEN_TTL = timedelta(hours=1)
"""Verification and reset links live at most an hour."""

InvitationStatus = Literal["pending", "accepted", "revoked", "expired"]
MailTokenKind = Literal["verify_email", "reset_password"]


@dataclass(slots=True)
class Invitation:
    id: str
    realm_id: str
    organization_id: str
    email: str
    token_hash: str
    inviter: str
    created_at: datetime
    expires_at: datetime
    roles: list[str] = field(default_factory=list)
    application_id: str | None = None
    accepted_at: datetime | None = None
    accepted_user_id: str | None = None
    revoked_at: datetime | None = None

    def status(self, now: datetime) -> InvitationStatus:
        """E3: accepted and revoked are final; a pending invitation past its expiry is expired."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "pending"


@dataclass(slots=True)
class MailToken:
    token_hash: str
    realm_id: str
    kind: MailTokenKind
    user_id: str
    email: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
