"""Attribute mapping: an upstream ID token's claims or a SAML assertion's attributes → the realm's
attribute contract (email, names, groups), and upstream groups → organization roles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tenantry.core.federation import AttributeMapping

from .saml_messages import EMAIL_FORMAT
from .saml_sp import SamlAssertion

MAX_GROUPS = 200
MAX_TEXT = 255


@dataclass(frozen=True, slots=True)
class UpstreamProfile:
    """Who the IdP says signed in. ``email_verified`` is the IdP's own statement (SAML makes none)."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    groups: tuple[str, ...] = ()

    def shown(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "groups": list(self.groups),
        }


def _one(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    return value[:MAX_TEXT] if isinstance(value, str) and value.strip() else None


def _many(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    return tuple(sorted({v[:MAX_TEXT] for v in values if isinstance(v, str) and v})[:MAX_GROUPS])


def _field(source: Mapping[str, Any], name: str | None) -> Any:
    return source.get(name) if name else None


def from_claims(claims: Mapping[str, Any], mapping: AttributeMapping) -> UpstreamProfile:
    """OIDC: only ``email_verified: true`` (the boolean) counts as verified (S4, nOAuth)."""
    return UpstreamProfile(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=_one(_field(claims, mapping.email)),
        email_verified=_field(claims, mapping.email_verified) is True,
        name=_one(_field(claims, mapping.name)),
        given_name=_one(_field(claims, mapping.given_name)),
        family_name=_one(_field(claims, mapping.family_name)),
        groups=_many(_field(claims, mapping.groups)),
    )


def from_assertion(assertion: SamlAssertion, mapping: AttributeMapping) -> UpstreamProfile:
    """SAML: the email attribute, else an emailAddress NameID; SAML never states that an email was verified."""
    attributes = assertion.attributes
    email = _one(_field(attributes, mapping.email))
    if email is None and assertion.name_id_format == EMAIL_FORMAT:
        email = _one(assertion.name_id)
    return UpstreamProfile(
        issuer=assertion.issuer,
        subject=assertion.name_id,
        email=email,
        email_verified=False,
        name=_one(_field(attributes, mapping.name)),
        given_name=_one(_field(attributes, mapping.given_name)),
        family_name=_one(_field(attributes, mapping.family_name)),
        groups=_many(_field(attributes, mapping.groups)),
    )


def roles_for(groups: tuple[str, ...], mapping: AttributeMapping) -> list[str]:
    """The organization roles the upstream groups map to, each once, in a stable order."""
    return sorted({role for group in groups for role in mapping.roles.get(group, [])})
