"""What a hosted-login step answers: a page to show (with its context and status), or a redirect."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tenantry.core.hook import HookOutcome
from tenantry.flows.login import LoginTransaction


@dataclass(slots=True)
class Outcome:
    page: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    redirect: str | None = None
    transaction: LoginTransaction | None = None
    session_value: str | None = None
    status: int = 200
    hooks: HookOutcome | None = None
    """What the realm's post-login hooks decided for the code this outcome carries (``require_mfa`` among it)."""


def refused(transaction: LoginTransaction | None, status: int, error: str, description: str) -> Outcome:
    return Outcome(
        page="error", status=status, transaction=transaction, context={"error": error, "description": description}
    )
