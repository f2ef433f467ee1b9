"""``tenantry settings``: the effective configuration, and the README table generated from it."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import typer

from tenantry.config import Settings, markdown_table

from .common import JsonOption, console, print_json, settings, table

SECRET_HINTS = ("key", "secret", "password", "token")
"""A field whose name contains one of these is never printed."""
MASK = "********"


def mask_url(url: str) -> str:
    """Hide the password of a DSN, keep the rest readable."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}{port}"))


def masked(name: str, value: Any) -> Any:
    """Secrets become a mask; URLs (alone or in a mapping, e.g. plane servers) lose their password."""
    if value is None:
        return None
    if any(hint in name for hint in SECRET_HINTS) and not isinstance(value, int | float):
        return MASK  # numbers are never secrets: `key_publish_seconds` stays readable
    if name.endswith("_url"):
        return mask_url(str(value))
    if isinstance(value, dict):
        return {key: mask_url(item) if isinstance(item, str) else item for key, item in value.items()}
    return value


def show_settings(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the README configuration table instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Print the effective configuration (secrets masked)."""
    if markdown:
        typer.echo(markdown_table(), nl=False)
        return
    current = settings()
    values = {name: masked(name, getattr(current, name)) for name in Settings.model_fields}
    if as_json:
        print_json(values)
        return
    grid = table("Effective configuration", ["setting", "environment variable", "value"])
    for name, value in values.items():
        shown = "unset" if value is None else json.dumps(value) if isinstance(value, dict | list) else str(value)
        grid.add_row(name, f"TENANTRY_{name.upper()}", shown)
    console().print(grid)
