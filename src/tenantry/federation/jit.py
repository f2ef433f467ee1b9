"""Just-in-time provisioning rules (SPEC S4, C6): what one federated login may do to the connection's users.

Identities are keyed by (connection, upstream issuer, upstream subject), never by email. An email
the IdP did not verify never links to an existing account, and an IdP never reaches an address
outside its organization's verified domains (an isolated organization's IdP is its source of
truth, C6: its users cannot be anyone else's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .mapping import UpstreamProfile

Action = Literal["update", "link", "create"]


class JitRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    user_id: str | None
    email_verified: bool
    """What the user's ``email_verified`` becomes: the IdP vouches for its organization's verified domains only."""


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def decide(
    profile: UpstreamProfile,
    *,
    identity_user_id: str | None,
    same_email_user_id: str | None,
    verified_domains: frozenset[str],
    isolated: bool,
) -> Decision:
    """``same_email_user_id``: a user of this connection with the profile's email (other connections never count)."""
    if not profile.email or "@" not in profile.email:
        raise JitRefused("no_email")
    in_domain = email_domain(profile.email) in verified_domains
    if not in_domain and not isolated:
        raise JitRefused("domain_not_verified")
    verified = in_domain
    if identity_user_id is not None:
        if same_email_user_id is not None and same_email_user_id != identity_user_id:
            raise JitRefused("email_taken")
        return Decision("update", identity_user_id, verified)
    if same_email_user_id is not None:
        if not profile.email_verified:
            raise JitRefused("unverified_email_exists")
        return Decision("link", same_email_user_id, verified)
    return Decision("create", None, verified)
