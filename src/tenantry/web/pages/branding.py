"""What a hosted page shows of its realm and organization, and the stylesheet that carries the colour.

The pages keep ``default-src 'self'``, which refuses inline styles: the colour therefore comes as a
stylesheet from our own origin whose URL is the validated colour itself (``/branding/1f4fd1.css``),
the same for every realm and cacheable for ever. A logo's origin joins ``img-src`` only on the
pages that show that logo.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantry.bootstrap import Runtime
from tenantry.core import names
from tenantry.core.branding import Branding
from tenantry.core.ids import has_prefix
from tenantry.core.organization import Organization
from tenantry.core.realm import Realm
from tenantry.flows.login import LoginTransaction

from ..routing import Route

_HEX = re.compile(r"[0-9a-f]{6}")
TEXT = "#1b1b1f"
"""The pages' text colour (``--text`` in tenantry.css), used on light accents."""


@dataclass(frozen=True, slots=True)
class PageBranding:
    display_name: str
    logo_url: str | None = None
    stylesheet: str | None = None
    image_origin: str | None = None


def page_branding(realm: Realm, organization: Organization | None = None) -> PageBranding:
    """The realm's branding, with the organization's fields over it; the realm's display name by default."""
    chosen = realm.settings.branding
    if organization is not None and organization.realm_id == realm.id:
        chosen = Branding.stored(organization.branding).over(chosen)
    return PageBranding(
        display_name=chosen.display_name or realm.display_name,
        logo_url=chosen.logo_url,
        stylesheet=f"/branding/{chosen.primary_color[1:]}.css" if chosen.primary_color else None,
        image_origin=chosen.logo_origin,
    )


def login_organization(transaction: LoginTransaction | None, context: Mapping[str, Any]) -> str | None:
    """The organization a page is shown for: the switcher's current one, or the one the login is for."""
    current = context.get("organization_id")
    if isinstance(current, str):
        return current
    return transaction.requested_organization() if transaction is not None else None


async def branding_for(runtime: Runtime, realm: Realm, organization: str | None) -> PageBranding:
    """Only an organization of this realm can brand its pages; any other reference shows the realm's (A5)."""
    if organization is None or not (has_prefix(organization, "org") or names.ORGANIZATION_NAME.fullmatch(organization)):
        return page_branding(realm)
    return page_branding(realm, await runtime.services.configuration.organization(realm.id, organization))


def on_accent(color: str) -> str:
    """White or the text colour, whichever contrasts more with the accent (WCAG relative luminance)."""

    def luminance(hex6: str) -> float:
        channels = [int(hex6[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    accent = luminance(color)
    with_white = 1.05 / (accent + 0.05)
    with_text = (accent + 0.05) / (luminance(TEXT[1:]) + 0.05)
    return "#ffffff" if with_white >= with_text else TEXT


async def stylesheet(request: Request) -> Response:
    color = request.path_params["color"]
    if not _HEX.fullmatch(color):
        return Response("not found", status_code=404, media_type="text/plain")
    body = f":root {{ --accent: #{color}; --on-accent: {on_accent(color)}; }}\n"
    return Response(body, media_type="text/css", headers={"Cache-Control": "public, max-age=31536000, immutable"})


def routes() -> list[Route]:
    return [Route("/branding/{color}.css", stylesheet, methods=["GET"])]
