"""Organizations: standard (shared users) or isolated (exclusive users), SPEC B and C."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .policy import Policy


@dataclass(slots=True)
class Organization:
    id: str
    realm_id: str
    name: str
    display_name: str
    data_plane_id: str
    created_at: datetime
    isolated: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    policy: Policy = field(default_factory=Policy)
    branding: dict[str, str] = field(default_factory=dict)
    """The set fields of a ``Branding``; on hosted pages they override the realm's, field by field."""
