"""Mail over real SMTP (aiosmtpd) followed in the system Chromium: an invitation and a password reset (E1-E4, S9).

The server runs as its own process with ``TENANTRY_SMTP_URL`` pointing at the SMTP server this test
starts; the links are read from the messages it receives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.interop.browser import PASSWORD, REALM, Site, relying_party, screenshot, seed, server
from tests.interop.test_browser_login import STATE, back_at_application, submit
from tests.support.smtp_server import SmtpServer, parts

try:
    from playwright.async_api import Page, expect
except ImportError:  # chromium_problem() says so, and the tests are skipped
    pass

pytestmark = pytest.mark.browser

CAROL = "carol@example.com"
NORA = "nora@example.com"
NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"http://\S+")


@dataclass
class Deployment:
    site: Site
    token: str
    smtp: SmtpServer

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.site.base_url}/api/v1/realms/{REALM}", headers={"Authorization": f"Bearer {self.token}"}
        )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with SmtpServer() as smtp, relying_party() as callback:
        settings = {"TENANTRY_SMTP_URL": smtp.url, "TENANTRY_MAIL_FROM": "Alpha <no-reply@example.com>"}
        with server(tmp_path_factory.mktemp("browser-mail"), settings) as (base_url, token):
            site = seed(base_url, token, callback, {CAROL: ()})
            with httpx.Client(
                base_url=f"{base_url}/api/v1/realms/{REALM}", headers={"Authorization": f"Bearer {token}"}
            ) as api:
                assert api.post("/roles", json={"name": "editor", "permissions": ["docs:write"]}).status_code == 201
                branding = {"display_name": "Acme Portal", "primary_color": "#aa3300"}
                assert api.patch("/organizations/acme", json={"branding": branding}).status_code == 200
            yield Deployment(site, token, smtp)


def link_of(text: str) -> str:
    found = LINK.search(text)
    assert found is not None, text
    return found.group(0)


async def test_e1_e2_an_invitation_mailed_over_smtp_is_accepted_in_the_browser(page: Page, deployment: Deployment):
    seen = len(deployment.smtp.inbox.messages)
    with deployment.api() as api:
        created = api.post("/organizations/acme/invitations", json={"email": NORA, "roles": ["editor"]})
    assert created.status_code == 201 and created.json()["email_sent"] is True, created.text

    message = deployment.smtp.inbox.wait_for(NORA, after=seen)
    assert message["From"] == "Alpha <no-reply@example.com>" and message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "You are invited to join Acme on Acme Portal"
    text, html = parts(message)
    assert "Acme Portal" in html and "#aa3300" in html and "Accept the invitation" in html
    link = link_of(text)
    assert (
        link.startswith(f"{deployment.site.issuer}/invitations/accept?invitation=")
        and link.replace("&", "&amp;") in html
    )

    await page.goto(link)
    await expect(page.get_by_role("heading", name="Join Acme")).to_be_visible()
    await expect(page).to_have_title("Invitation · Acme Portal")
    await screenshot(page, "invitation")
    await page.get_by_role("link", name="Create an account").click()
    await expect(page.get_by_label("Email", exact=True)).to_have_value(NORA)
    await page.get_by_label("Name", exact=True).fill("Nora New")
    await page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    await submit(page, "Create account")
    await expect(page.get_by_role("heading", name="You joined Acme")).to_be_visible()

    with deployment.api() as api:
        (user,) = api.get("/users", params={"email": NORA}).json()["items"]
        member = api.get(f"/organizations/acme/members/{user['id']}")
        invitations = api.get("/organizations/acme/invitations").json()["items"]
    assert member.status_code == 200 and member.json()["roles"] == ["editor"] and member.json()["source"] == "invite"
    assert user["email_verified"] is True
    assert [(i["email"], i["status"]) for i in invitations] == [(NORA, "accepted")]

    await page.goto(link)
    await expect(page.get_by_text("This invitation has already been used.")).to_be_visible()


async def test_s9_password_reset_over_smtp_ends_at_the_login_page_and_the_new_password_signs_in(
    page: Page, deployment: Deployment
):
    site = deployment.site
    await page.goto(site.authorize_url())
    await page.get_by_label("Email").fill(CAROL)
    await submit(page, "Continue")
    await page.get_by_role("link", name="Forgot your password?").click()
    await expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    await expect(page.get_by_label("Email")).to_have_value(CAROL)
    seen = len(deployment.smtp.inbox.messages)
    await submit(page, "Send the link")
    await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    message = deployment.smtp.inbox.wait_for(CAROL, after=seen)
    text, html = parts(message)
    assert message["Subject"] == "Reset your password for Alpha" and "Choose a new password" in html
    link = link_of(text)
    assert link.startswith(f"{site.issuer}/password/reset?token=pln_")

    await page.goto(link)
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await screenshot(page, "reset-password")
    await submit(page, "Change password")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.url == f"{site.issuer}/login/identifier"
    cookies = {cookie["name"] for cookie in await page.context.cookies()}
    assert not any(name.startswith("tnt_session") for name in cookies), "a reset never signs the user in"

    await expect(page.get_by_label("Email")).to_have_value(CAROL)
    await submit(page, "Continue")
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await submit(page, "Sign in")
    await expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    await page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    await submit(page, "Sign in")
    query = back_at_application(page, site)
    assert query["state"] == STATE and query["code"]

    await page.goto(link)
    await expect(page.get_by_text("This link is not valid any more")).to_be_visible()
