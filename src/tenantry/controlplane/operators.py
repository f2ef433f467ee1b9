"""Operators act on customers through control-plane roles, and say why (SPEC L8).

The roles are scopes of operator tokens (``tenantry operator token``, ``POST /api/v1/tokens``):
``control:provisioning`` onboards, retries, suspends, reactivates and offboards;
``control:support`` reads the registry and a customer's pipeline; ``control:cross_customer_access``
is needed on top for what reaches into a customer's own data (offboarding exports it).
Every action on a customer carries a reason, written to the audit log with the actor.
"""

from __future__ import annotations

from typing import Literal

from tenantry.core.errors import InvalidInput
from tenantry.services.access import Actor, require, require_operator

Role = Literal["provisioning", "support", "cross_customer_access"]
MIN_REASON, MAX_REASON = 3, 500


def authorize(actor: Actor, *roles: Role, reason: str | None) -> str:
    """403 without every named role; 400 without a reason (or an empty one). Returns the reason."""
    require_operator(actor)
    for role in roles:
        require(actor, f"control:{role}")
    text = (reason or "").strip()
    if not MIN_REASON <= len(text) <= MAX_REASON:
        raise InvalidInput("every action on a customer states a reason (3 to 500 characters)", code="reason_required")
    return text


def may_read(actor: Actor) -> None:
    require_operator(actor)
    require(actor, "control:support")
