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
from tenantry.core.branding import Branding, on_accent
from tenantry.core.ids import has_prefix
from tenantry.core.organization import Organization
from tenantry.core.realm import Realm
from tenantry.flows.login import LoginTransaction

from ..routing import Route

_HEX = re.compile(r"[0-9a-f]{6}")


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


async def stylesheet(request: Request) -> Response:
    color = request.path_params["color"]
    if not _HEX.fullmatch(color):
        return Response("not found", status_code=404, media_type="text/plain")
    body = f":root {{ --accent: #{color}; --on-accent: {on_accent(color)}; }}\n"
    return Response(body, media_type="text/css", headers={"Cache-Control": "public, max-age=31536000, immutable"})


def routes() -> list[Route]:
    return [Route("/branding/{color}.css", stylesheet, methods=["GET"])]
