"""Driving the hosted login's MFA step and the account page over HTTP, as a browser would."""

from __future__ import annotations

import html
import re
import time

import pyotp

from tests.integration.test_hosted_login import CSRF, PASSWORD, authorize_url, follow, post_step

SECRET = re.compile(r"data-secret>([A-Z2-7]+)<")
CODES = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")
ACCOUNT = "/realms/alpha/account/factors"


def code_at(secret: str, offset_steps: int = 0) -> str:
    """The TOTP code of the current step moved by ``offset_steps`` (the server accepts one step either side)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


async def password_step(api, site, email: str, password: str = PASSWORD, **extra):
    """Through identifier and password (``prompt=login``: a live session is not reused); returns the answer (303)."""
    extra.setdefault("prompt", "login")
    page = await api.get(authorize_url(site, **extra))
    assert page.status_code == 200, page.text
    after_identifier = await follow(api, await post_step(api, "identifier", page.text, email=email))
    response = await post_step(api, "password", after_identifier.text, password=password)
    return response


async def mfa(api, page_html: str, method: str = "totp", **fields):
    return await post_step(api, "mfa", page_html, method=method, **fields)


async def account_csrf(api) -> str:
    page = await api.get(ACCOUNT)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


async def enrol_totp_on_account_page(api) -> str:
    """Add an authenticator on the account page and confirm it; returns its secret."""
    csrf = await account_csrf(api)
    assert (await api.post(f"{ACCOUNT}/totp", data={"csrf": csrf})).status_code == 303
    page = await api.get(ACCOUNT)
    secret = SECRET.search(page.text).group(1)
    factor_id = re.search(r'name="factor_id" value="(mfa_[^"]+)"', page.text).group(1)
    qr = await api.get(f"{ACCOUNT}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    confirmed = await api.post(
        f"{ACCOUNT}/totp/confirm", data={"csrf": csrf, "factor_id": factor_id, "code": code_at(secret)}
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"].endswith("notice=added")
    return secret


async def recovery_codes(api) -> list[str]:
    csrf = await account_csrf(api)
    made = await api.post(f"{ACCOUNT}/recovery-codes", data={"csrf": csrf})
    assert made.status_code == 303
    page = await api.get(ACCOUNT)
    codes = [html.unescape(code) for code in CODES.findall(page.text)]
    assert len(codes) == 10
    return codes
