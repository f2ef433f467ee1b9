"""The identifier-first login as a small state machine (SPEC B6, D3, D6, D7).

The state travels sealed in a cookie, so any node can continue a login another node began. Each
step returns what to show next; the service layer performs the lookups the steps ask for.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from tenantry.protocols.oauth.authorize import AuthorizationRequest

LIFETIME = timedelta(minutes=15)
Step = Literal[
    "find_organization",
    "identifier",
    "choose_account",
    "password",
    "federation",
    "organization",
    "mfa",
    "mfa_enrol",
    "done",
]
Answer = Literal["name", "email", "missing", "both"]


@dataclass(slots=True)
class LoginTransaction:
    realm_id: str
    request: dict[str, Any]
    expires_at: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    step: Step = "identifier"
    email: str | None = None
    candidates: list[dict[str, str]] = field(default_factory=list)
    """(user id, connection id, organization label) of each account matching the email, when B6 asks."""
    user_id: str | None = None
    connection_id: str | None = None
    plane_id: str | None = None
    session_id: str | None = None
    auth_time: float | None = None
    organizations: list[dict[str, str]] = field(default_factory=list)
    organization_id: str | None = None
    """The organization the user named before login (D3 ``before_login``): the login context from then on."""
    invitation: dict[str, str] | None = None
    """The invitation this login accepts once the user is authenticated (E2): its id, organization and email."""
    federation: dict[str, str] = field(default_factory=dict)
    """The upstream IdP's login in progress: connection name and its single-use state, nonce, verifier or request id."""
    view: dict[str, Any] = field(default_factory=dict)
    """The page the next GET shows (post/redirect/get), with its context and status."""
    protocol: Literal["oidc", "saml"] = "oidc"
    """What the login serves: an OIDC authorization (ends with a code) or a SAML application (ends at its
    SAML endpoint, which sends the assertion); ``request.client_id`` is then the SAML application's id."""
    client_ip: str = ""
    """The address of the latest request of this login, for the organization's IP allowlist (D8)."""
    mfa_binding: str | None = None
    """A random value naming this login's second-factor step: WebAuthn challenges are stored under it (S9)."""
    mfa_factor_id: str | None = None
    """The authenticator being enrolled during this login, until its first code confirms it."""
    mfa_organization_id: str | None = None
    """The organization a step-up is for: the login continues into it once the second factor passed."""

    @classmethod
    def begin(
        cls, realm_id: str, request: AuthorizationRequest, now: datetime, protocol: Literal["oidc", "saml"] = "oidc"
    ) -> LoginTransaction:
        fields = asdict(request)
        fields["prompt"] = sorted(request.prompt)
        return cls(realm_id=realm_id, request=fields, expires_at=(now + LIFETIME).timestamp(), protocol=protocol)

    def authorization_request(self) -> AuthorizationRequest:
        fields = dict(self.request)
        fields["prompt"] = frozenset(fields["prompt"])
        return AuthorizationRequest(**fields)

    def start_second_factor(self, step: Literal["mfa", "mfa_enrol"]) -> None:
        """Enter the MFA step under a fresh binding: nothing issued for an earlier step carries over."""
        self.step, self.mfa_binding, self.mfa_factor_id = step, secrets.token_urlsafe(24), None

    def requested_organization(self) -> str | None:
        """The organization fixed for this login: chosen on the prompt, or named (id or name) on /authorize."""
        return self.organization_id or self.request.get("organization")

    def expired(self, now: datetime) -> bool:
        return now.timestamp() >= self.expires_at

    def dumps(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def loads(cls, raw: bytes) -> LoginTransaction:
        return cls(**json.loads(raw))


def prompts_for_organization(prompt: str, requested: str | None) -> bool:
    """D3: ``before_login`` asks for the organization first, unless /authorize already named one."""
    return prompt == "before_login" and requested is None


def organization_answer(name: str, email: str) -> tuple[Answer, str]:
    """Which of the prompt's two fields the user filled in: a name (organization names are lower case) or an email."""
    name, email = name.strip(), email.strip()
    if name and email:
        return "both", ""
    if email:
        return "email", email
    return ("name", name.lower()) if name else ("missing", "")


def choose_organization(
    usage: str, prompt: str, requested: str | None, memberships: list[dict[str, str]]
) -> tuple[Literal["none", "chosen", "picker", "error"], str | None]:
    """D1-D4: which organization context a finished authentication gets.

    A requested organization must be one of the user's; otherwise ``after_login`` (or ``require``)
    picks the only membership, shows the picker for several, and fails under ``require`` with none.
    """
    if requested is not None:
        match = next((m["id"] for m in memberships if requested in (m["id"], m["name"])), None)
        return ("chosen", match) if match else ("error", None)
    if usage == "deny" or (usage == "allow" and prompt != "after_login"):
        return "none", None
    if len(memberships) == 1:
        return "chosen", memberships[0]["id"]
    if len(memberships) > 1:
        return "picker", None
    return ("error", None) if usage == "require" else ("none", None)
