"""The hosted login end to end in a real browser: Playwright drives Debian's Chromium against a running server.

Journeys: identifier-first login, the organization picker for a user with two memberships, logout,
and the brute-force lockout page; plus keyboard-only use. Pages are found the way assistive
technology finds them (labels, roles, accessible names). Each journey's key page is saved to
docs/screenshots/login-*.png (800x700).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.interop.browser import PASSWORD, Site, relying_party, screenshot, seed, server

try:
    from playwright.async_api import Page, Response, expect
except ImportError:  # chromium_problem() says so, and the tests are skipped
    pass

pytestmark = pytest.mark.browser

ALICE = "alice@example.com"  # member of Acme and Globex: sees the picker
BOB = "bob@example.com"  # member of Acme only: goes straight back
DANA = "dana@example.com"  # locked out by the lockout journey
ERIN = "erin@example.com"  # locked out by the Retry-After check
STATE = "browser-state-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    members = {ALICE: ("acme", "globex"), BOB: ("acme",), DANA: ("acme",), ERIN: ("acme",)}
    with relying_party() as callback, server(tmp_path_factory.mktemp("browser-login")) as (base_url, token):
        yield seed(base_url, token, callback, members)


async def submit(page: Page, button: str) -> Response:
    """Click a submit button and wait for the page it leads to (after the 303); returns that page's response."""
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name=button).click()
    response = await navigation.value
    assert response is not None
    return response


async def enter_email(page: Page, site: Site, email: str) -> None:
    await page.goto(site.authorize_url())
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("Email", exact=True).fill(email)
    await submit(page, "Continue")
    await expect(page.get_by_role("heading", name="Enter your password")).to_be_visible()


async def sign_in(page: Page, site: Site, email: str, password: str = PASSWORD) -> Response:
    await enter_email(page, site, email)
    await page.get_by_label("Password", exact=True).fill(password)
    return await submit(page, "Sign in")


def back_at_application(page: Page, site: Site) -> dict[str, str]:
    """The browser is on the redirect URI; its query, one value per name."""
    url = urlsplit(page.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == site.callback, page.url
    return {name: values[0] for name, values in parse_qs(url.query).items()}


async def test_identifier_first_login_returns_to_the_application_with_code_state_and_iss(page: Page, site: Site):
    await page.goto(site.authorize_url())
    await expect(page).to_have_title("Sign in · Alpha")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await expect(page.get_by_label("Password", exact=True)).to_have_count(0)  # identifier first: no password field yet
    await screenshot(page, "identifier")

    await page.get_by_label("Email", exact=True).fill(BOB)
    await submit(page, "Continue")
    await expect(page.get_by_role("heading", name="Enter your password")).to_be_visible()
    await expect(page.get_by_text(BOB)).to_be_visible()
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await screenshot(page, "password")

    response = await submit(page, "Sign in")
    assert response.status == 200
    query = back_at_application(page, site)
    assert query["state"] == STATE and query["iss"] == site.issuer and query["code"]
    assert "error" not in query
    assert site.id_token_claims(query["code"])["sub"] == site.users[BOB]


async def test_two_memberships_show_the_picker_and_the_choice_is_kept(page: Page, site: Site):
    await sign_in(page, site, ALICE)
    await expect(page.get_by_role("heading", name="Choose organization")).to_be_visible()
    choices = page.get_by_role("group", name="Where do you want to work?").get_by_role("radio")
    await expect(choices).to_have_count(2)
    await expect(page.get_by_label("Acme")).to_be_visible()
    await expect(page.get_by_label("Globex")).to_be_visible()
    await screenshot(page, "organization")

    await page.get_by_label("Globex").check()
    await submit(page, "Continue")
    query = back_at_application(page, site)
    assert query["state"] == STATE and query["iss"] == site.issuer and query["code"]
    claims = site.id_token_claims(query["code"])
    assert claims["sub"] == site.users[ALICE] and claims["org_name"] == "globex"


async def test_logout_shows_signed_out_and_ends_the_session(page: Page, site: Site):
    await sign_in(page, site, BOB)
    back_at_application(page, site)
    await page.goto(site.authorize_url(prompt="none"))
    assert "code" in back_at_application(page, site), "the session is live before logout"

    await page.goto(site.logout_url)
    await expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    await expect(page).to_have_title("Signed out · Alpha")
    await screenshot(page, "signed-out")
    assert not [c for c in await page.context.cookies() if c["name"].startswith("tnt_session_")]

    await page.goto(site.authorize_url(prompt="none"))
    query = back_at_application(page, site)
    assert query["error"] == "login_required" and query["state"] == STATE and query["iss"] == site.issuer
    assert "code" not in query


async def lock_out(page: Page, site: Site, email: str) -> list[Response]:
    """Ten wrong passwords for one account from this browser's IP; the response to each."""
    await enter_email(page, site, email)
    answers = []
    for attempt in range(1, 11):
        await page.get_by_label("Password", exact=True).fill(f"wrong password {attempt}")
        answers.append(await submit(page, "Sign in"))
        if attempt < 10:
            await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
            await expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    return answers


async def test_ten_wrong_passwords_lock_the_account_and_the_eleventh_try_shows_too_many_attempts(
    page: Page, site: Site
):
    answers = await lock_out(page, site, DANA)
    assert [r.status for r in answers] == [400] * 9 + [429], "the failure that reaches the limit answers 429"
    await expect(page.get_by_role("heading", name="Too many attempts")).to_be_visible()

    eleventh = await sign_in(page, site, DANA)  # from the start, and with the right password
    assert eleventh.status == 429
    await expect(page).to_have_title("Too many attempts · Alpha")
    await expect(page.get_by_role("heading", name="Too many attempts")).to_be_visible()
    await expect(page.get_by_text("Try again in 15 minute(s)")).to_be_visible()
    await expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    assert urlsplit(page.url).netloc == urlsplit(site.base_url).netloc, "no code went to the application"
    await screenshot(page, "locked")


async def test_the_lockout_page_says_when_to_retry_in_a_retry_after_header(page: Page, site: Site):
    await lock_out(page, site, ERIN)
    eleventh = await sign_in(page, site, ERIN)
    assert eleventh.status == 429
    retry_after = await eleventh.header_value("retry-after")
    assert retry_after is not None and 0 < int(retry_after) <= 900


async def test_the_identifier_page_works_with_the_keyboard_alone(page: Page, site: Site):
    await page.goto(site.authorize_url())
    await expect(page.get_by_label("Email", exact=True)).to_be_focused()
    await page.keyboard.type(BOB)
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Continue")).to_be_focused()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Enter your password")).to_be_visible()

    await expect(page.get_by_label("Password", exact=True)).to_be_focused()
    await page.keyboard.type(PASSWORD)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "code" in back_at_application(page, site)


async def test_the_picker_works_with_the_keyboard_alone(page: Page, site: Site):
    await sign_in(page, site, ALICE)
    await expect(page.get_by_label("Acme")).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_label("Globex")).to_be_checked()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Continue")).to_be_focused()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    query = back_at_application(page, site)
    assert site.id_token_claims(query["code"])["org_name"] == "globex"
