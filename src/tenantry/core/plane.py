"""The data-plane registry: where each connection's users live (DESIGN.md section 3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

PlaneTier = Literal["shared", "dedicated"]


@dataclass(slots=True)
class DataPlane:
    id: str
    name: str
    tier: PlaneTier
    database: str
    """SQLite: a file name in the data directory. PostgreSQL: a database name."""
    created_at: datetime
    server: str | None = None
    """Key into the configured plane servers; ``None`` = the control plane's server."""
    region: str | None = None
    version_pin: str | None = None
