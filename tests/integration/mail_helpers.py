"""Reading the outbox and following the links it holds, for the mail and invitation tests."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from tenantry.bootstrap import Runtime

LINK = re.compile(r"https?://[^\s\"<>]+?/(?:invitations/accept|password/reset|email/verify)\?[^\s\"<>]+")


async def outbox(api: httpx.AsyncClient, runtime: Runtime, realm: str = "alpha", **params: Any) -> list[dict]:
    """The realm's outbox after the background mail started so far has been sent."""
    await runtime.services.mail.settle()
    response = await api.get(f"/api/v1/realms/{realm}/outbox", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def last_mail(api: httpx.AsyncClient, runtime: Runtime, recipient: str, realm: str = "alpha") -> dict:
    items = await outbox(api, runtime, realm, recipient=recipient)
    assert items, f"no mail to {recipient}"
    response = await api.get(f"/api/v1/realms/{realm}/outbox/{items[-1]['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def link_in(text: str) -> str:
    """The path and query of the one Tenantry link in a mail body (the test client talks to the app directly)."""
    found = LINK.search(text)
    assert found is not None, text
    parts = urlsplit(found.group(0))
    return f"{parts.path}?{parts.query}"
