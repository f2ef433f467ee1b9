"""The options ``tenantry realms branding`` and ``tenantry orgs branding`` share.

Options change only the fields they name, so one colour can be set without repeating the logo.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tenantry.core.branding import Branding
from tenantry.core.errors import InvalidInput

DisplayNameOption = Annotated[
    str | None, typer.Option("--display-name", help="Name on the hosted pages and the logo's alt text (≤ 255).")
]
LogoUrlOption = Annotated[
    str | None, typer.Option("--logo-url", help="https URL of the logo, ≤ 2048 characters (http only for localhost).")
]
PrimaryColorOption = Annotated[str | None, typer.Option("--primary-color", help="Buttons and links, as #rrggbb.")]
UnsetOption = Annotated[
    list[str] | None,
    typer.Option("--unset", help="Remove a field (display_name, logo_url or primary_color); repeatable."),
]


def edited(
    current: Branding,
    *,
    display_name: str | None,
    logo_url: str | None,
    primary_color: str | None,
    unset: list[str] | None,
) -> dict[str, Any] | None:
    """The whole branding after the options (to send as a replacement), or None when nothing is asked."""
    removed = unset or []
    unknown = sorted(set(removed) - set(Branding.model_fields))
    if unknown:
        raise InvalidInput("--unset takes a branding field name", code="invalid_request", details={"fields": unknown})
    given = {"display_name": display_name, "logo_url": logo_url, "primary_color": primary_color}
    if not removed and all(value is None for value in given.values()):
        return None
    values = {key: value for key, value in current.model_dump().items() if key not in removed}
    values.update({key: value for key, value in given.items() if value is not None})
    return values
