"""Recorded pipeline steps (SPEC L3, L4): what each step of a customer's run keeps about itself.

A step is a function of its inputs; its record holds the hash of those inputs and the outputs it
produced, so a rerun with the same inputs returns the stored outputs and a rerun with other
inputs is a drift (409), never a silent second side effect.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

RunKind = Literal["onboard", "offboard"]
StepStatus = Literal["pending", "running", "succeeded", "failed"]

ONBOARDING_STEPS = (
    "validate",
    "create_customer",
    "provision_plane",
    "fork_content",
    "create_identity",
    "write_back",
    "activate",
)
OFFBOARDING_STEPS = ("export", "revoke_tokens", "drop_plane", "destroy_keys", "close")
STEPS: dict[str, tuple[str, ...]] = {"onboard": ONBOARDING_STEPS, "offboard": OFFBOARDING_STEPS}


def inputs_hash(inputs: dict[str, Any]) -> str:
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(slots=True)
class StepRecord:
    slug: str
    kind: RunKind
    step: str
    status: StepStatus = "pending"
    attempt: int = 0
    inputs_hash: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(slots=True)
class Run:
    """One pipeline run of a customer; ``attempt`` numbers its durable workflows (one per retry)."""

    slug: str
    kind: RunKind
    attempt: int
    status: Literal["running", "succeeded", "failed"]
    spec: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None

    @property
    def workflow_id(self) -> str:
        return f"{self.kind}-{self.slug}-{self.attempt}"
