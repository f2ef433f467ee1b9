"""Second factors end to end in the system Chromium (SPEC D8, S8, S9).

Journeys: enrol an authenticator app on the account page and sign in with it (codes computed with
pyotp); sign in with a recovery code; an organization that requires MFA makes the user enrol before
any code is issued; and passkeys, registered and used through Chromium's virtual authenticator
(Chrome DevTools Protocol), so the real browser runs navigator.credentials.create/get against the
hosted pages and the server verifies with py_webauthn. The server is named ``localhost``: a
WebAuthn relying party id cannot be an IP address.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pyotp
import pytest

from tests.interop.browser import REALM, Site, relying_party, screenshot, seed, server
from tests.interop.test_browser_login import back_at_application, sign_in, submit

try:
    from playwright.async_api import Page, expect
except ImportError:  # chromium_problem() says so, and the tests are skipped
    pass

pytestmark = pytest.mark.browser

TOTP_USER = "tara@example.com"
RECOVERY_USER = "rick@example.com"
ENROLLING_USER = "erin@example.com"  # member of globex, which requires MFA
PASSKEY_USER = "pat@example.com"  # member of initech, which requires a passkey


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    members = {
        TOTP_USER: ("acme",),
        RECOVERY_USER: ("acme",),
        ENROLLING_USER: ("globex",),
        PASSKEY_USER: (),
    }
    data_dir = tmp_path_factory.mktemp("browser-mfa")
    with relying_party() as callback, server(data_dir, host="localhost") as (base_url, token):
        built = seed(base_url, token, callback, members)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"{base_url}/api/v1/realms/{REALM}", headers=headers) as api:
            policy = {"mfa_required": True, "allowed_factors": ["webauthn"]}
            assert api.post("/organizations", json={"name": "initech", "policy": policy}).status_code == 201
            assert api.post("/organizations/initech/connections", json={"connection": "members"}).status_code == 201
            member = {"user_id": built.users[PASSKEY_USER]}
            assert api.post("/organizations/initech/members", json=member).status_code == 201
            response = api.patch("/organizations/globex", json={"policy": {"mfa_required": True}})
            assert response.status_code == 200
        yield built


def code(secret: str, steps_ahead: int = 0) -> str:
    """The server accepts the step before and after its own, and each step once."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


async def qr_code_is_drawn(page: Page) -> None:
    """The QR code loads from the page's own origin under the default CSP (a broken image has no width)."""
    image = page.get_by_role("img", name="QR code for your authenticator app")
    await expect(image).to_be_visible()
    await page.wait_for_function("() => document.querySelector('img.qr').complete")
    assert await image.evaluate("img => img.naturalWidth") > 0


async def enrol_authenticator(page: Page, site: Site) -> str:
    await page.goto(f"{site.base_url}/realms/{REALM}/account/factors")
    await expect(page.get_by_role("heading", name="Sign-in methods")).to_be_visible()
    await submit(page, "Add an authenticator app")
    await qr_code_is_drawn(page)
    secret = (await page.locator("[data-secret]").inner_text()).strip()
    await page.get_by_label("Code from your authenticator app").fill(code(secret))
    await submit(page, "Verify authenticator")
    await expect(page.get_by_text("Your new sign-in method is ready.")).to_be_visible()
    return secret


async def test_enrol_an_authenticator_app_and_sign_in_with_it(page: Page, site: Site):
    await sign_in(page, site, TOTP_USER)
    back_at_application(page, site)
    secret = await enrol_authenticator(page, site)
    await page.goto(site.authorize_url(prompt="login"))
    await page.get_by_label("Email", exact=True).fill(TOTP_USER)
    await submit(page, "Continue")
    await page.get_by_label("Password", exact=True).fill("correct horse battery")
    await submit(page, "Sign in")
    await expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    await expect(page).to_have_title("Two-step verification · Alpha")
    await page.get_by_label("Code from your authenticator app").fill(code(secret, 1))
    await screenshot(page, "mfa")
    await submit(page, "Verify")
    query = back_at_application(page, site)
    assert site.id_token_claims(query["code"])["sub"] == site.users[TOTP_USER]


async def test_sign_in_with_a_recovery_code(page: Page, site: Site):
    await sign_in(page, site, RECOVERY_USER)
    await enrol_authenticator(page, site)
    await submit(page, "Create recovery codes")
    await expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = [text.strip() for text in await page.locator(".codes code").all_inner_texts()]
    assert len(codes) == 10
    await page.goto(site.authorize_url(prompt="login"))
    await page.get_by_label("Email", exact=True).fill(RECOVERY_USER)
    await submit(page, "Continue")
    await page.get_by_label("Password", exact=True).fill("correct horse battery")
    await submit(page, "Sign in")
    await page.get_by_label("Recovery code").fill(codes[3])
    await submit(page, "Use recovery code")
    query = back_at_application(page, site)
    assert site.id_token_claims(query["code"])["sub"] == site.users[RECOVERY_USER]


async def test_an_organization_that_requires_mfa_makes_the_user_enrol_before_any_code(page: Page, site: Site):
    await page.goto(site.authorize_url(organization="globex"))
    await page.get_by_label("Email", exact=True).fill(ENROLLING_USER)
    await submit(page, "Continue")
    await page.get_by_label("Password", exact=True).fill("correct horse battery")
    await submit(page, "Sign in")
    await expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    assert not page.url.startswith(site.callback), "no code before the second factor"
    await qr_code_is_drawn(page)
    await screenshot(page, "mfa-enrol")
    secret = (await page.locator("[data-secret]").inner_text()).strip()
    await page.get_by_label("Code from your authenticator app").fill(code(secret))
    await submit(page, "Verify and continue")
    query = back_at_application(page, site)
    claims = site.id_token_claims(query["code"])
    assert claims["sub"] == site.users[ENROLLING_USER] and claims["org_name"] == "globex"


async def test_a_passkey_is_registered_and_then_used_as_the_second_factor(page: Page, site: Site):
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    authenticator = (await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options}))["authenticatorId"]

    await page.goto(site.authorize_url(organization="initech"))
    await page.get_by_label("Email", exact=True).fill(PASSKEY_USER)
    await submit(page, "Continue")
    await page.get_by_label("Password", exact=True).fill("correct horse battery")
    await submit(page, "Sign in")
    await expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    await expect(page.get_by_label("Code from your authenticator app")).to_have_count(0)  # passkeys only here
    await submit(page, "Add a passkey")
    query = back_at_application(page, site)
    assert site.id_token_claims(query["code"])["org_name"] == "initech"
    stored = (await cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator}))["credentials"]
    assert len(stored) == 1 and stored[0]["rpId"] == "localhost"

    await page.goto(site.authorize_url(organization="initech", prompt="login"))
    await page.get_by_label("Email", exact=True).fill(PASSKEY_USER)
    await submit(page, "Continue")
    await page.get_by_label("Password", exact=True).fill("correct horse battery")
    await submit(page, "Sign in")
    await expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    await submit(page, "Use a passkey")
    query = back_at_application(page, site)
    assert site.id_token_claims(query["code"])["sub"] == site.users[PASSKEY_USER]
    used = (await cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator}))["credentials"]
    assert used[0]["signCount"] > stored[0]["signCount"]
