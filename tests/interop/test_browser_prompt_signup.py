"""The organization prompt before login and sign-up, in Debian's Chromium against a running server.

The server verifies acme.test through a local DNS server; the connection ``members`` allows
sign-up. Key pages are saved to docs/screenshots/login-*.png like the other browser journeys.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from tests.interop.browser import REALM, Site, relying_party, screenshot, seed, server
from tests.interop.test_browser_login import STATE, back_at_application, submit
from tests.support.dns_server import LocalDnsServer

try:
    from playwright.async_api import Page, expect
except ImportError:  # chromium_problem() says so, and the tests are skipped
    pass

pytestmark = pytest.mark.browser

DORA = "dora@acme.test"  # member of Acme, found through the verified domain acme.test
NEW_PASSWORD = "a brand new passphrase"


def _prepare(site: Site, token: str, dns: LocalDnsServer) -> Site:
    """Sign-up on for ``members``, acme.test verified for acme, and an application that asks before login."""
    with httpx.Client(
        base_url=f"{site.base_url}/api/v1/realms/{REALM}", headers={"Authorization": f"Bearer {token}"}
    ) as api:
        signup = api.patch("/connections/members", json={"options": {"signup_enabled": True}})
        assert signup.status_code == 200, signup.text
        claim = api.post("/organizations/acme/domains", json={"domain": "acme.test"}).json()
        dns.publish("acme.test", claim["dns_record"]["value"])
        assert api.post(f"/organizations/acme/domains/{claim['id']}/verify").json()["status"] == "verified"
        portal = api.post(
            "/applications",
            json={
                "name": "portal",
                "redirect_uris": [site.callback],
                "organization_usage": "require",
                "organization_prompt": "before_login",
            },
        )
        assert portal.status_code == 201, portal.text
    return replace(site, client_id=portal.json()["client_id"], client_secret=portal.json()["client_secret"])


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Site]]:
    """(the application without organizations, the application that asks for one before login)."""
    with LocalDnsServer() as dns, relying_party() as callback:
        settings = {"TENANTRY_DNS_NAMESERVERS": json.dumps([dns.nameserver])}
        with server(tmp_path_factory.mktemp("browser-prompt"), settings) as (base_url, token):
            web = seed(base_url, token, callback, {DORA: ("acme",)})
            yield web, _prepare(web, token, dns)


async def test_a_work_email_selects_the_organization_before_login_and_the_password_signs_in(
    page: Page, sites: tuple[Site, Site]
):
    _, portal = sites
    await page.goto(portal.authorize_url())
    await expect(page).to_have_title("Find your organization · Alpha")
    await expect(page.get_by_role("heading", name="Find your organization")).to_be_visible()
    await expect(page.get_by_label("Organization name")).to_be_focused()
    await expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    await page.get_by_label("Work email").fill(DORA)
    await screenshot(page, "organization-prompt")

    await submit(page, "Continue")
    await expect(page.get_by_role("heading", name="Enter your password")).to_be_visible()
    await expect(page.get_by_text(DORA)).to_be_visible()
    await page.get_by_label("Password", exact=True).fill("correct horse battery")
    response = await submit(page, "Sign in")
    assert response.status == 200
    query = back_at_application(page, portal)
    assert query["state"] == STATE and query["iss"] == portal.issuer and query["code"]
    claims = portal.id_token_claims(query["code"])
    assert claims["sub"] == portal.users[DORA] and claims["org_name"] == "acme"


async def test_sign_up_from_the_identifier_page_lands_at_the_application_with_a_code(
    page: Page, sites: tuple[Site, Site]
):
    web, _ = sites
    await page.goto(web.authorize_url())
    await page.get_by_role("link", name="Create an account").click()
    await expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    await expect(page).to_have_title("Create an account · Alpha")
    await page.get_by_label("Email", exact=True).fill("nora@example.com")
    await page.get_by_label("Name", exact=True).fill("Nora New")
    await page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    await expect(page.get_by_label("Password", exact=True)).to_have_attribute("autocomplete", "new-password")
    await screenshot(page, "signup")

    response = await submit(page, "Create account")
    assert response.status == 200
    query = back_at_application(page, web)
    assert query["state"] == STATE and query["iss"] == web.issuer and query["code"]
    claims = web.id_token_claims(query["code"])
    assert claims["email"] == "nora@example.com" and claims["email_verified"] is False
    assert claims["sub"].startswith("usr_")
