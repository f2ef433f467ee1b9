"""The Customer record of the control plane (DESIGN.md section 1; SPEC L1).

One paying customer: its placement (tier, cloud, region, version pin), its infrastructure binding
(stack, endpoint, a secret reference to its data plane's credentials), its identity binding
(realm, organization, connections, verified domains) and its compliance facts. It never holds a
raw secret: every ``*_ref`` field is a reference into the secret store (``secret_ref.check``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from .errors import Conflict, InvalidInput
from .names import domain_name
from .secret_ref import check as check_ref

CustomerStatus = Literal["trial", "active", "suspended", "offboarded"]
Tier = Literal["dedicated", "shared"]
Pattern = Literal["isolated-org", "realm"]

CUSTOMER_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,29}$")
"""At most 30 characters, so a plane's database name stays within PostgreSQL's 63-byte limit."""
REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
TRANSITIONS: dict[str, frozenset[str]] = {
    "trial": frozenset({"active", "suspended", "offboarded"}),
    "active": frozenset({"suspended", "offboarded"}),
    "suspended": frozenset({"active", "offboarded"}),
    "offboarded": frozenset(),
}


@dataclass(slots=True)
class Customer:
    id: str
    slug: str
    name: str
    status: CustomerStatus
    tier: Tier
    pattern: Pattern
    created_at: datetime
    updated_at: datetime
    region: str | None = None
    cloud: str | None = None
    version_pin: str | None = None
    stack_name: str | None = None
    endpoint: str | None = None
    data_plane_ref: str | None = None
    data_plane_id: str | None = None
    realm_id: str | None = None
    organization_id: str | None = None
    connection_ids: list[str] = field(default_factory=list)
    verified_domains: list[str] = field(default_factory=list)
    data_residency: str | None = None
    baa_signed: bool = False
    isolation_notes: str | None = None
    activated_at: datetime | None = None

    def move_to(self, status: CustomerStatus, now: datetime) -> None:
        """trial → active ↔ suspended; any → offboarded, which is final."""
        if status == self.status:
            return
        if status not in TRANSITIONS[self.status]:
            raise Conflict(
                f"a {self.status} customer cannot become {status}",
                code="invalid_transition",
                details={"from": self.status, "to": status},
            )
        self.status = status
        self.updated_at = now


def slug(value: str) -> str:
    if not isinstance(value, str) or not CUSTOMER_SLUG.fullmatch(value):
        raise InvalidInput(
            "customer slug must match ^[a-z][a-z0-9-]{1,29}$", code="invalid_slug", details={"slug": value}
        )
    return value


def region(value: str | None) -> str | None:
    if value is not None and not REGION.fullmatch(value):
        raise InvalidInput("region must be a lowercase label such as eu-west-1", code="invalid_region")
    return value


def domains(values: list[str]) -> list[str]:
    cleaned = sorted({domain_name(value) for value in values})
    if len(cleaned) > 50:
        raise InvalidInput("at most 50 domains per customer", code="too_many_domains")
    return cleaned


def refs(values: dict[str, str | None]) -> None:
    """L1: every ``*_ref`` field holds a secret-store reference; a raw secret is refused (400)."""
    for name, value in values.items():
        if value is not None:
            check_ref(name, value)
