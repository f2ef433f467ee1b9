"""The starter content template shipped with Tenantry (versioned; bump ``version`` when it changes)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tenantry.core.content import ContentTemplate, parse_template

STARTER = Path(__file__).parent / "templates" / "starter.json"


@cache
def starter() -> ContentTemplate:
    return parse_template(STARTER.read_text(encoding="utf-8"))
