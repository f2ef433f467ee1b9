"""The declarative attribute mapping (SPEC I2, I3): rules over one mapping input, evaluated without I/O.

The mapping input is a plain dict: the user's profile and metadata, the organization of the login
context with the user's roles there, and ``extra`` for attributes a login outcome adds (later:
post-login hooks). Rules read it by path and never run code, so a realm admin cannot break a login
with anything but a missing value, which the rule's ``required`` turns into a clear refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tenantry.core.organization import Organization
from tenantry.core.saml_application import AttributeRule, NameFormat
from tenantry.core.user import User

from .errors import MissingAttributes


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    name_format: NameFormat
    values: tuple[str, ...]


def mapping_input(
    user: User, organization: Organization | None, roles: list[str], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Everything a rule may read; ``extra`` holds what a login outcome adds (e.g. hooks' SAML attributes)."""
    return {
        "id": user.id,
        "email": user.email,
        "email_verified": user.email_verified,
        "email_local_part": user.email.partition("@")[0],
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "connection_id": user.connection_id,
        "app_metadata": user.app_metadata,
        "user_metadata": user.user_metadata,
        "organization": None
        if organization is None
        else {
            "id": organization.id,
            "name": organization.name,
            "display_name": organization.display_name,
            "metadata": dict(organization.metadata),
        },
        "roles": list(roles),
        "extra": dict(extra or {}),
    }


def lookup(data: Mapping[str, Any], path: str) -> list[str]:
    """The non-blank string values at ``path``; objects and missing keys give nothing."""
    value: Any = data
    for part in path.strip().split("."):
        if not isinstance(value, Mapping) or part not in value:
            return []
        value = value[part]
    items = value if isinstance(value, list) else [value]
    found = [str(item).strip() for item in items if isinstance(item, str | int | float) and not isinstance(item, bool)]
    found += ["true" if item else "false" for item in items if isinstance(item, bool)]
    return [item for item in found if item]


def _source(data: Mapping[str, Any], source: str) -> list[str]:
    parts = [part for part in source.split("+") if part.strip()]
    if len(parts) == 1:
        return lookup(data, parts[0])
    firsts = [lookup(data, part)[:1] for part in parts]
    return [" ".join(found[0] for found in firsts)] if all(firsts) else []


def values_of(rule: AttributeRule, data: Mapping[str, Any]) -> tuple[str, ...]:
    for source in rule.sources:
        found = _source(data, source)
        if found:
            break
    else:
        found = [item for item in (value.strip() for value in rule.default) if item]
    if rule.join is not None and found:
        found = [rule.join.join(found)]
    return tuple(found)


def evaluate(rules: list[AttributeRule], data: Mapping[str, Any]) -> list[Attribute]:
    """Every attribute with a value, in rule order; raises ``MissingAttributes`` naming each empty required one."""
    attributes, missing = [], []
    for rule in rules:
        values = values_of(rule, data)
        if values:
            attributes.append(Attribute(rule.name, rule.name_format, values))
        elif rule.required:
            missing.append(rule.name)
    if missing:
        raise MissingAttributes(missing)
    return attributes


def name_id(source: str, data: Mapping[str, Any]) -> str:
    found = lookup(data, source)
    if not found:
        raise MissingAttributes([f"NameID ({source})"])
    return found[0]
