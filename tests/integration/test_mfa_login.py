"""The MFA step of the hosted login over HTTP (SPEC D8, S8, S9; HOSTILE 61, 62).

Each refusal asserts that nothing was issued: no redirect to the application with a code.
"""

from __future__ import annotations

import re

import pytest

from tests.integration.api_helpers import seed_hosted_login
from tests.integration.mfa_helpers import (
    ACCOUNT,
    account_csrf,
    code_at,
    enrol_totp_on_account_page,
    mfa,
    password_step,
    recovery_codes,
)
from tests.integration.test_hosted_login import (
    REDIRECT,
    authorize_url,
    code_of,
    exchange,
    follow,
    login,
    post_step,
)

SECRET = re.compile(r"data-secret>([A-Z2-7]+)<")
FACTOR_ID = re.compile(r'name="factor_id" value="(mfa_[^"]+)"')


@pytest.fixture
async def site(api):
    return await seed_hosted_login(api, REDIRECT)


def no_code(response) -> None:
    location = response.headers.get("location", "")
    assert not location.startswith(REDIRECT), f"a code was issued: {location}"


async def signed_in_with_totp(api, site) -> str:
    """Bob signs in once (no MFA yet) and enrols an authenticator on the account page."""
    assert "code" in code_of(await login(api, site, "bob@example.com"))
    return await enrol_totp_on_account_page(api)


async def test_s9_an_enrolled_user_is_always_asked_for_the_second_factor(api, site):
    secret = await signed_in_with_totp(api, site)
    after_password = await password_step(api, site, "bob@example.com")
    no_code(after_password)
    page = await follow(api, after_password)
    assert "Two-step verification" in page.text and "authenticator app" in page.text
    before = api.cookies.get("tnt_session_" + (await _realm_id(api)))
    done = await mfa(api, page.text, code=code_at(secret, 1))
    query = code_of(done)
    assert (await exchange(api, site, query["code"][0])).status_code == 200
    assert api.cookies.get("tnt_session_" + (await _realm_id(api))) != before, "S8: a new session id after MFA"


async def test_hostile_61_a_totp_replayed_in_another_transaction_is_refused(api, site):
    secret = await signed_in_with_totp(api, site)
    code = code_at(secret, 1)
    first = await follow(api, await password_step(api, site, "bob@example.com"))
    assert "code" in code_of(await mfa(api, first.text, code=code))
    second = await follow(api, await password_step(api, site, "bob@example.com"))
    replayed = await mfa(api, second.text, code=code)
    no_code(replayed)
    page = await follow(api, replayed)
    assert page.status_code == 400 and "did not work" in page.text


async def test_hostile_61_an_otp_at_a_transaction_not_waiting_for_it_is_refused(api, site):
    secret = await signed_in_with_totp(api, site)
    fresh = await api.get(authorize_url(site, prompt="login"))  # a transaction that never passed the first factor
    refused = await mfa(api, fresh.text, code=code_at(secret, 1))
    no_code(refused)
    assert (await follow(api, refused)).status_code == 400


async def test_hostile_61_ten_bad_otps_throttle_and_nothing_is_issued(api, site):
    secret = await signed_in_with_totp(api, site)
    page = await follow(api, await password_step(api, site, "bob@example.com"))
    good = code_at(secret, 1)
    wrong = "000000" if good != "000000" else "111111"
    statuses = []
    for _ in range(10):
        response = await mfa(api, page.text, code=wrong)
        no_code(response)
        page = await follow(api, response)
        statuses.append(page.status_code)
    assert statuses[:9] == [400] * 9 and statuses[9] == 429
    assert "Too many attempts" in page.text
    again = await follow(api, await password_step(api, site, "bob@example.com"))
    throttled = await mfa(api, again.text, code=good)
    no_code(throttled)
    assert (await follow(api, throttled)).status_code == 429


async def test_s9_a_recovery_code_signs_in_once(api, site):
    await signed_in_with_totp(api, site)
    codes = await recovery_codes(api)
    page = await follow(api, await password_step(api, site, "bob@example.com"))
    assert "Recovery code" in page.text
    assert "code" in code_of(await mfa(api, page.text, method="recovery_code", code=codes[0].upper()))
    page = await follow(api, await password_step(api, site, "bob@example.com"))
    reused = await mfa(api, page.text, method="recovery_code", code=codes[0])
    no_code(reused)
    assert "code" in code_of(await mfa(api, (await follow(api, reused)).text, method="recovery_code", code=codes[1]))


async def test_d8_an_organization_requiring_mfa_forces_enrolment_before_any_code(api, site):
    patched = await api.patch("/api/v1/realms/alpha/organizations/acme", json={"policy": {"mfa_required": True}})
    assert patched.status_code == 200, patched.text
    after_password = await password_step(api, site, "bob@example.com", organization="acme")
    no_code(after_password)
    page = await follow(api, after_password)
    assert "Set up two-step verification" in page.text
    secret = SECRET.search(page.text).group(1)
    assert (await api.get("/realms/alpha/login/mfa/qr.svg")).status_code == 200
    wrong = await post_enrol(api, page.text, "000000" if code_at(secret) != "000000" else "111111")
    no_code(wrong)
    page = await follow(api, wrong)
    done = await post_enrol(api, page.text, code_at(secret))
    query = code_of(done)
    tokens = await exchange(api, site, query["code"][0])
    assert tokens.status_code == 200


async def test_hostile_62_a_login_into_an_mfa_organization_never_yields_a_code_without_the_second_factor(api, site):
    await api.patch("/api/v1/realms/alpha/organizations/acme", json={"policy": {"mfa_required": True}})
    for extra in ({"organization": "acme"}, {}, {"prompt": "login"}):
        after_password = await password_step(api, site, "bob@example.com", **extra)
        no_code(after_password)
    silent = await api.get(authorize_url(site, prompt="none", organization="acme"))
    assert "code=" not in silent.headers.get("location", ""), "no session, no silent code"


async def test_d8_switching_into_an_organization_that_requires_mfa_steps_up(api, site):
    await api.patch("/api/v1/realms/alpha/organizations/globex", json={"policy": {"mfa_required": True}})
    assert "code" in code_of(await login(api, site, "alice@example.com", organization="acme"))
    realm_id = await _realm_id(api)
    before = api.cookies.get(f"tnt_session_{realm_id}")
    switched = await api.get(authorize_url(site, organization="globex"))
    assert switched.status_code == 200 and "Set up two-step verification" in switched.text
    secret = SECRET.search(switched.text).group(1)
    done = await post_enrol(api, switched.text, code_at(secret))
    tokens = (await exchange(api, site, code_of(done)["code"][0])).json()
    assert tokens["access_token"]
    after = api.cookies.get(f"tnt_session_{realm_id}")
    assert after and after != before, "S8: a new session id after step-up"
    again = await api.get(authorize_url(site, organization="globex", prompt="none"))
    assert "code" in code_of(again), "the stepped-up session needs no second MFA"


async def test_s9_removing_a_factor_needs_the_page_csrf_and_then_login_no_longer_asks(api, site):
    await signed_in_with_totp(api, site)
    page = await api.get(ACCOUNT)
    factor_id = FACTOR_ID.search(page.text).group(1)
    forged = await api.post(f"{ACCOUNT}/remove", data={"csrf": "x", "factor_id": factor_id})
    assert forged.status_code == 403
    removed = await api.post(f"{ACCOUNT}/remove", data={"csrf": await account_csrf(api), "factor_id": factor_id})
    assert removed.status_code == 303 and removed.headers["location"].endswith("notice=removed")
    assert "code" in code_of(await login(api, site, "bob@example.com", prompt="login"))


async def post_enrol(api, page_html: str, code: str):
    return await post_step(api, "mfa/enrol", page_html, method="totp", code=code)


async def _realm_id(api) -> str:
    return (await api.get("/api/v1/realms/alpha")).json()["id"]
