"""Roles and permissions are defined per realm (SPEC B5); a membership names roles by name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

PERMISSION = re.compile(r"^[A-Za-z0-9_.:/-]{1,100}$")


@dataclass(slots=True)
class Role:
    id: str
    realm_id: str
    name: str
    created_at: datetime
    description: str = ""
    permissions: list[str] = field(default_factory=list)
