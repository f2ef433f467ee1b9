"""SP-initiated SSO: reading an AuthnRequest and its checks, in order (SAML Core 3.4.1, Profiles 4.1.4.1).

Every refusal here is answered on our own page: until the Issuer and the ACS URL are checked,
nothing about the request can be trusted enough to send an answer anywhere (I4, HOSTILE 32).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from lxml import etree

from . import names, xml
from .errors import ForeignRelayState, MalformedRequest, StaleRequest, UnknownServiceProvider, UnregisteredAcs

SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(minutes=10)
"""An AuthnRequest older than this is refused; its id is remembered at least this long plus the skew."""
REPLAY_SECONDS = int((MAX_AGE + SKEW).total_seconds()) + 60
MAX_RELAY_STATE = 1024


@dataclass(frozen=True, slots=True)
class AuthnRequest:
    id: str
    issuer: str
    issue_instant: datetime
    destination: str | None = None
    acs_url: str | None = None
    acs_index: int | None = None
    protocol_binding: str | None = None
    force_authn: bool = False
    is_passive: bool = False
    name_id_format: str | None = None


def decode(binding: str, message: str) -> etree._Element:
    """The ``SAMLRequest`` of either binding, parsed once by the hardened parser."""
    raw = xml.b64decode(message)
    return xml.parse(xml.inflate(raw) if binding == names.HTTP_REDIRECT else raw)


def _instant(value: str | None) -> datetime:
    try:
        parsed = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError as error:
        raise MalformedRequest("IssueInstant is not a time") from error
    if parsed.tzinfo is None:
        raise MalformedRequest("IssueInstant has no time zone")
    return parsed


def _flag(value: str | None) -> bool:
    return value in {"true", "1"}


def read(root: etree._Element) -> AuthnRequest:
    if root.tag != names.tag(names.PROTOCOL, "AuthnRequest") or root.get("Version") != "2.0":
        raise MalformedRequest("not a SAML 2.0 AuthnRequest")
    issuers = root.findall(names.tag(names.ASSERTION, "Issuer"))
    request_id = root.get("ID") or ""
    if len(issuers) != 1 or not (issuers[0].text or "").strip() or not request_id or len(request_id) > 256:
        raise MalformedRequest("the AuthnRequest needs one Issuer and an ID")
    policy = root.find(names.tag(names.PROTOCOL, "NameIDPolicy"))
    index = root.get("AssertionConsumerServiceIndex")
    if index is not None and not index.isdigit():
        raise MalformedRequest("AssertionConsumerServiceIndex is not a number")
    return AuthnRequest(
        id=request_id,
        issuer=(issuers[0].text or "").strip(),
        issue_instant=_instant(root.get("IssueInstant")),
        destination=root.get("Destination"),
        acs_url=root.get("AssertionConsumerServiceURL"),
        acs_index=int(index) if index is not None else None,
        protocol_binding=root.get("ProtocolBinding"),
        force_authn=_flag(root.get("ForceAuthn")),
        is_passive=_flag(root.get("IsPassive")),
        name_id_format=policy.get("Format") if policy is not None else None,
    )


def check_issuer(request: AuthnRequest, entity_id: str) -> None:
    """The request must come from the SP this endpoint serves: another SP (of any realm) is unknown here."""
    if request.issuer != entity_id:
        raise UnknownServiceProvider("this SSO endpoint does not serve that service provider")


def check_destination(request: AuthnRequest, sso_urls: Sequence[str]) -> None:
    if request.destination is not None and request.destination not in sso_urls:
        raise MalformedRequest("the AuthnRequest is addressed to another endpoint")


def check_issue_instant(request: AuthnRequest, now: datetime) -> None:
    if request.issue_instant > now + SKEW or request.issue_instant < now - MAX_AGE - SKEW:
        raise StaleRequest("the AuthnRequest is too old or from the future")


def check_acs(request: AuthnRequest, registered: Sequence[str]) -> str:
    """Exact string match with a registered ACS (no normalisation), by URL or by index; else the default."""
    if request.protocol_binding is not None and request.protocol_binding != names.HTTP_POST:
        raise UnregisteredAcs("only the HTTP-POST binding is offered for responses")
    if request.acs_url is not None:
        if request.acs_url not in registered:
            raise UnregisteredAcs("the AssertionConsumerServiceURL is not registered for this service provider")
        return request.acs_url
    if request.acs_index is not None:
        if request.acs_index >= len(registered):
            raise UnregisteredAcs("no ACS is registered at that index")
        return registered[request.acs_index]
    return registered[0]


def check_relay_state(relay_state: str | None, registered: Sequence[str]) -> str | None:
    """RelayState is returned as given, but one that names another site is refused (HOSTILE 32).

    An absolute or scheme-relative URL is accepted only on the origin of a registered ACS URL.
    """
    if relay_state is None:
        return None
    if len(relay_state) > MAX_RELAY_STATE or any(not char.isprintable() for char in relay_state):
        raise ForeignRelayState("RelayState is too long or has control characters")
    candidate = relay_state.strip().replace("\\", "/")
    try:
        parts = urlsplit(candidate)
    except ValueError as error:
        raise ForeignRelayState("RelayState is not a usable value") from error
    if not (parts.scheme or parts.netloc or candidate.startswith("//")):
        return relay_state
    allowed = {_origin(url) for url in registered}
    if parts.scheme not in {"http", "https"} or _origin(candidate) not in allowed:
        raise ForeignRelayState("RelayState points to a site that is not this service provider")
    return relay_state


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
