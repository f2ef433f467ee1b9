"""Evaluating the login policy of a realm or an organization (SPEC D8): pure functions over data.

The effective policy of a login is the realm's, merged with the organization's when an
organization is the login context (``core.policy.merge`` keeps the stricter of each setting).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from tenantry.core import names
from tenantry.core.errors import InvalidInput
from tenantry.core.factor import ENROLLABLE, RECOVERY_CODE, FactorKind
from tenantry.core.policy import Policy, merge
from tenantry.core.throttle import parse_ip


def effective(realm_policy: Policy, organization_policy: Policy | None) -> Policy:
    return realm_policy if organization_policy is None else merge(realm_policy, organization_policy)


def ip_allowed(policy: Policy, ip: str) -> bool:
    """No allowlist admits every address; an empty one admits none; an unparsable address is refused."""
    if policy.ip_allowlist is None:
        return True
    address = parse_ip(ip)
    if address is None:
        return False
    return any(
        address.version == net.version and address in net
        for net in (ipaddress.ip_network(item) for item in policy.ip_allowlist)
    )


def connection_allowed(policy: Policy, connection_id: str, connection_name: str) -> bool:
    """``allowed_connections`` names connections by id or by name."""
    allowed = policy.allowed_connections
    return allowed is None or connection_id in allowed or connection_name in allowed


def password_refused(policy: Policy, email: str, verified_domains: Iterable[str]) -> bool:
    """ "SSO only for verified domains": a password login with an email of those domains is refused."""
    if not policy.sso_only_for_verified_domains:
        return False
    try:
        domain = names.email_domain(names.email(email))
    except InvalidInput:
        return False
    return domain in set(verified_domains)


def enrollable_factors(policy: Policy) -> list[FactorKind]:
    """The factor kinds a user may enrol under this policy (recovery codes are never a first factor to enrol)."""
    allowed = policy.allowed_factors
    return [kind for kind in ENROLLABLE if allowed is None or kind in allowed]


def factor_allowed(policy: Policy, kind: str) -> bool:
    allowed = policy.allowed_factors
    return allowed is None or kind in allowed


def recovery_codes_allowed(policy: Policy) -> bool:
    return factor_allowed(policy, RECOVERY_CODE)
