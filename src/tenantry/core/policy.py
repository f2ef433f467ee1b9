"""Per-organization policy as data (SPEC D8): merged with the realm's defaults, only ever stricter.

Stored and validated by the foundation; enforced by the login flows.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import InvalidInput

Factor = Literal["totp", "webauthn", "recovery_code"]


class Policy(BaseModel):
    """Login policy. ``None`` means "inherit"; a realm's policy is the floor for its organizations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mfa_required: bool | None = None
    allowed_factors: list[Factor] | None = None
    allowed_connections: list[str] | None = Field(None, description="Connection ids or names.")
    session_idle_minutes: int | None = Field(None, ge=1, le=525_600)
    session_absolute_minutes: int | None = Field(None, ge=1, le=525_600)
    ip_allowlist: list[str] | None = None
    sso_only_for_verified_domains: bool | None = None

    @field_validator("ip_allowlist")
    @classmethod
    def _cidrs(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        try:
            return [str(ipaddress.ip_network(item, strict=False)) for item in value]
        except ValueError as exc:
            raise ValueError(f"ip_allowlist holds an invalid CIDR: {exc}") from exc


def _narrower_list(org: list[str] | None, realm: list[str] | None) -> bool:
    return realm is None or (org is not None and set(org) <= set(realm))


def _shorter(org: int | None, realm: int | None) -> bool:
    return realm is None or (org is not None and org <= realm)


def _cidrs_within(org: list[str] | None, realm: list[str] | None) -> bool:
    if realm is None:
        return True
    if org is None:
        return False
    outer = [ipaddress.ip_network(item) for item in realm]
    return all(
        any(
            inner.version == net.version and inner.subnet_of(net)  # type: ignore[arg-type]
            for net in outer
        )
        for inner in (ipaddress.ip_network(item) for item in org)
    )


def ensure_stricter(org: Policy, realm: Policy) -> None:
    """Refuse an organization policy that relaxes any setting of the realm's (D8)."""
    problems = []
    if realm.mfa_required and org.mfa_required is False:
        problems.append("mfa_required")
    if realm.sso_only_for_verified_domains and org.sso_only_for_verified_domains is False:
        problems.append("sso_only_for_verified_domains")
    if org.allowed_factors is not None and not _narrower_list(org.allowed_factors, realm.allowed_factors):  # type: ignore[arg-type]
        problems.append("allowed_factors")
    if org.allowed_connections is not None and not _narrower_list(org.allowed_connections, realm.allowed_connections):
        problems.append("allowed_connections")
    if org.session_idle_minutes is not None and not _shorter(org.session_idle_minutes, realm.session_idle_minutes):
        problems.append("session_idle_minutes")
    if org.session_absolute_minutes is not None and not _shorter(
        org.session_absolute_minutes, realm.session_absolute_minutes
    ):
        problems.append("session_absolute_minutes")
    if org.ip_allowlist is not None and not _cidrs_within(org.ip_allowlist, realm.ip_allowlist):
        problems.append("ip_allowlist")
    if problems:
        raise InvalidInput(
            "an organization's policy may only be stricter than its realm's",
            code="policy_not_stricter",
            details={"fields": problems},
        )


def merge(realm: Policy, org: Policy) -> Policy:
    """The effective policy: for each setting, the stricter of the realm's and the organization's.

    Taking the stricter value (rather than the organization's) keeps D8 true even when a realm is
    tightened after its organizations were configured.
    """
    return Policy(
        mfa_required=_any(realm.mfa_required, org.mfa_required),
        allowed_factors=_intersect(realm.allowed_factors, org.allowed_factors),  # type: ignore[arg-type]
        allowed_connections=_intersect(realm.allowed_connections, org.allowed_connections),
        session_idle_minutes=_least(realm.session_idle_minutes, org.session_idle_minutes),
        session_absolute_minutes=_least(realm.session_absolute_minutes, org.session_absolute_minutes),
        ip_allowlist=_overlap(realm.ip_allowlist, org.ip_allowlist),
        sso_only_for_verified_domains=_any(realm.sso_only_for_verified_domains, org.sso_only_for_verified_domains),
    )


def _any(a: bool | None, b: bool | None) -> bool | None:
    return None if a is None and b is None else bool(a or b)


def _least(a: int | None, b: int | None) -> int | None:
    values = [value for value in (a, b) if value is not None]
    return min(values) if values else None


def _overlap(a: list[str] | None, b: list[str] | None) -> list[str] | None:
    """The addresses both allowlists admit. Two CIDR blocks either nest or are disjoint, so the
    overlap of a pair is the smaller block when one holds the other, and nothing otherwise; an
    empty result admits no address at all (stricter than either list)."""
    if a is None:
        return b
    if b is None:
        return a
    result: list[str] = []
    for left in (ipaddress.ip_network(item) for item in a):
        for right in (ipaddress.ip_network(item) for item in b):
            if left.version != right.version:
                continue
            if left.subnet_of(right):  # type: ignore[arg-type]
                inner = left
            elif right.subnet_of(left):  # type: ignore[arg-type]
                inner = right
            else:
                continue
            if str(inner) not in result:
                result.append(str(inner))
    return result


def _intersect(a: list[str] | None, b: list[str] | None) -> list[str] | None:
    if a is None:
        return b
    if b is None:
        return a
    return [item for item in b if item in a]
