"""The authorization endpoint's checks (RFC 6749 4.1.1, OIDC Core 3.1.2.1, RFC 9700), in order.

Two kinds of refusal: ``LocalError`` before the redirect URI is trusted (shown on our own page,
never redirected: S1), and ``RedirectError`` after it is (sent back with ``state`` and ``iss``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tenantry.core.application import Application

from . import pkce
from .client_credentials import check_scope
from .errors import InvalidRequest, InvalidScope, OAuthError

PROMPTS = frozenset({"none", "login", "consent", "select_account"})
SINGLE = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "organization",
    "prompt",
    "max_age",
    "id_token_hint",
    "login_hint",
)


class LocalError(Exception):
    """The client or redirect URI cannot be trusted: answer on our own error page."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


class RedirectError(OAuthError):
    """An error the client receives at its redirect URI (RFC 6749 4.1.2.1), with ``iss`` (RFC 9207)."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.code = error

    def body(self) -> dict[str, str]:
        return {"error": self.code, "error_description": self.description}


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    organization: str | None
    prompt: frozenset[str]
    max_age: int | None
    login_hint: str | None


def check_client(application: Application | None) -> Application:
    if application is None:
        raise LocalError("invalid_client", "unknown client")
    if "authorization_code" not in application.grant_types:
        raise LocalError("unauthorized_client", "this client may not use the authorization code flow")
    return application


def check_redirect_uri(application: Application, redirect_uri: str | None) -> str:
    """S1: exact string comparison with a registered URI; nothing is normalised, nothing is guessed."""
    if redirect_uri is None or redirect_uri not in application.redirect_uris:
        raise LocalError("invalid_request", "redirect_uri is missing or not registered for this client")
    return redirect_uri


def parse(params: Mapping[str, list[str]], application: Application, redirect_uri: str) -> AuthorizationRequest:
    """Every remaining check; failures here go back to the (now trusted) redirect URI."""
    for name in SINGLE:
        if len(params.get(name, [])) > 1:
            raise RedirectError("invalid_request", f"{name} is repeated")
    one = {name: values[0] for name, values in params.items() if values}
    if "request" in one or "request_uri" in one:
        raise RedirectError("request_not_supported", "request objects are not supported")
    response_type = one.get("response_type")
    if response_type != "code":
        raise RedirectError("unsupported_response_type", "only response_type=code is supported")
    try:
        scopes = check_scope(one.get("scope"))
        pkce.check_challenge(one.get("code_challenge"), one.get("code_challenge_method"), public=application.public)
    except (InvalidScope, InvalidRequest) as error:
        raise RedirectError(error.error, error.description) from error
    prompt = frozenset(one.get("prompt", "").split())
    if not prompt <= PROMPTS or ("none" in prompt and len(prompt) > 1):
        raise RedirectError("invalid_request", "unsupported prompt value")
    return AuthorizationRequest(
        client_id=application.client_id,
        redirect_uri=redirect_uri,
        scope=" ".join(scopes),
        state=one.get("state"),
        nonce=one.get("nonce"),
        code_challenge=one.get("code_challenge"),
        code_challenge_method=one.get("code_challenge_method"),
        organization=_organization(application, one.get("organization")),
        prompt=prompt,
        max_age=_max_age(one.get("max_age")),
        login_hint=one.get("login_hint"),
    )


def _organization(application: Application, organization: str | None) -> str | None:
    """D2: an organization on a deny application is an error."""
    if organization is not None and application.organization_usage == "deny":
        raise RedirectError("invalid_request", "this application does not use organizations")
    return organization


def _max_age(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) > 10:
        raise RedirectError("invalid_request", "max_age must be a non-negative integer")
    return int(value)
