"""Branding in Debian's Chromium: the realm's logo and colour, an organization's override, and nothing
refused by the pages' Content-Security-Policy (the browser is the judge of that, not a header check)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.interop.browser import REALM, Site, relying_party, screenshot, seed, server

try:
    from playwright.async_api import ConsoleMessage, Page, expect
except ImportError:  # chromium_problem() says so, and the tests are skipped
    pass

pytestmark = pytest.mark.browser

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40">'
    b'<rect width="160" height="40" rx="6" fill="#0b5fff"/>'
    b'<text x="80" y="26" font-family="sans-serif" font-size="18" fill="#fff" text-anchor="middle">ALPHA</text></svg>'
)


class _Logo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.send_header("Content-Length", str(len(LOGO)))
        self.end_headers()
        self.wfile.write(LOGO)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def logo_url() -> Iterator[str]:
    """A logo on another origin (another port of localhost), as a CDN would serve it."""
    host = ThreadingHTTPServer(("127.0.0.1", 0), _Logo)
    thread = threading.Thread(target=host.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{host.server_address[1]}/logo.svg"
    finally:
        host.shutdown()
        host.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, logo_url: str) -> Iterator[Site]:
    with relying_party() as callback, server(tmp_path_factory.mktemp("browser-branding")) as (base_url, token):
        site = seed(base_url, token, callback, {"bob@example.com": ("acme",)})
        with httpx.Client(base_url=f"{base_url}/api/v1/realms", headers={"Authorization": f"Bearer {token}"}) as api:
            realm = {"display_name": "Alpha Bank", "logo_url": logo_url, "primary_color": "#0b5fff"}
            assert api.patch(f"/{REALM}", json={"settings": {"branding": realm}}).status_code == 200
            org = {"display_name": "Acme at Alpha", "primary_color": "#ffd400"}
            assert api.patch(f"/{REALM}/organizations/acme", json={"branding": org}).status_code == 200
        yield site


def refusals(page: Page) -> list[str]:
    """What the page's Content-Security-Policy refused, as Chromium reports it on the console."""
    seen: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", record)
    return seen


async def test_the_realms_logo_and_colour_show_without_any_policy_refusal(page: Page, site: Site, logo_url: str):
    refused = refusals(page)
    await page.goto(site.authorize_url())
    await expect(page).to_have_title("Sign in · Alpha Bank")
    logo = page.get_by_role("img", name="Alpha Bank")
    await expect(logo).to_have_attribute("src", logo_url)
    assert await logo.evaluate("img => img.complete && img.naturalWidth") == 160
    button = page.get_by_role("button", name="Continue")
    await expect(button).to_have_css("background-color", "rgb(11, 95, 255)")
    await expect(button).to_have_css("color", "rgb(255, 255, 255)")
    await screenshot(page, "branding")
    assert refused == []


async def test_an_organizations_colour_and_name_override_the_realms(page: Page, site: Site):
    refused = refusals(page)
    await page.goto(site.authorize_url(organization="acme"))
    await expect(page).to_have_title("Sign in · Acme at Alpha")
    logo = page.get_by_role("img", name="Acme at Alpha")
    assert await logo.evaluate("img => img.complete && img.naturalWidth") == 160, "the realm's logo stays"
    button = page.get_by_role("button", name="Continue")
    await expect(button).to_have_css("background-color", "rgb(255, 212, 0)")
    await expect(button).to_have_css("color", "rgb(27, 27, 31)")
    assert refused == []
