"""Memberships: (user, organization, roles, source). Roles count only in that organization's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

MembershipSource = Literal["admin", "invite", "auto", "jit", "scim"]


@dataclass(slots=True)
class Membership:
    realm_id: str
    organization_id: str
    user_id: str
    created_at: datetime
    roles: list[str] = field(default_factory=list)
    source: MembershipSource = "admin"
