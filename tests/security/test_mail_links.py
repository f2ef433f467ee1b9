"""Password reset and email verification links under attack (SPEC S6, S7, S9; HOSTILE 50, 58, 59, 62).

Each refusal is checked together with what did not change: the password, the sessions, the flags.
"""

from __future__ import annotations

import pytest

from tests.integration.api_helpers import realm_path
from tests.integration.mail_helpers import last_mail, link_in, outbox
from tests.integration.test_hosted_login import CSRF, PASSWORD, REDIRECT, authorize_url, code_of, follow, login
from tests.integration.test_hosted_login_signup import NEW_PASSWORD

NEW = "a fresh passphrase for bob"


@pytest.fixture
async def site(api) -> dict:
    """Realm alpha: bob@example.com in the database connection ``members``, and the application ``web``."""
    assert (await api.post("/api/v1/realms", json={"name": "alpha"})).status_code == 201
    await api.post(f"{realm_path('alpha')}/connections", json={"name": "members"})
    body = {"email": "bob@example.com", "password": PASSWORD, "connection": "members"}
    bob = (await api.post(f"{realm_path('alpha')}/users", json=body)).json()
    app = await api.post(f"{realm_path('alpha')}/applications", json={"name": "web", "redirect_uris": [REDIRECT]})
    return {"app": app.json(), "users": {"bob@example.com": bob["id"]}}


async def forgot(api, email: str):
    form = await api.get("/realms/alpha/password/forgot")
    assert form.status_code == 200, form.text
    csrf = CSRF.search(form.text).group(1)
    return await api.post("/realms/alpha/password/forgot", data={"csrf": csrf, "email": email})


async def reset_link(api, runtime, email: str = "bob@example.com") -> str:
    assert (await forgot(api, email)).status_code == 303
    return link_in((await last_mail(api, runtime, email))["text"])


async def set_password(api, link: str, password: str):
    form = await api.get(link)
    assert form.status_code == 200, form.text
    token = link.split("token=", 1)[1]
    csrf = CSRF.search(form.text).group(1)
    return await api.post("/realms/alpha/password/reset", data={"csrf": csrf, "token": token, "password": password})


def sessions_set(response) -> list[str]:
    return [value for value in response.headers.get_list("set-cookie") if value.startswith("tnt_session")]


async def test_s9_a_reset_ends_at_the_login_page_issues_nothing_and_signs_out_everywhere(api, site, runtime):
    signed_in = code_of(await login(api, site, "bob@example.com"))
    assert "code" in signed_in
    page = await api.get(authorize_url(site, prompt="login"))
    csrf = CSRF.search(page.text).group(1)
    identified = await api.post("/realms/alpha/login/identifier", data={"csrf": csrf, "email": "bob@example.com"})
    password_page = await follow(api, identified)
    assert 'href="/realms/alpha/password/forgot"' in password_page.text
    link = await reset_link(api, runtime)

    weak = await set_password(api, link, "short")
    assert weak.status_code == 400 and "Choose another password" in weak.text
    done = await set_password(api, link, NEW)
    assert done.status_code == 303 and done.headers["location"] == "/realms/alpha/login/identifier"
    assert sessions_set(done) == [] and "code=" not in done.headers["location"]
    login_page = await follow(api, done)
    assert login_page.status_code == 200 and 'action="/realms/alpha/login/identifier"' in login_page.text

    again = await api.get(authorize_url(site, prompt="none"))
    assert "login_required" in again.headers["location"], "the old session ended with the reset"
    wrong = await follow(api, await login(api, site, "bob@example.com", PASSWORD))
    assert wrong.status_code == 400 and "Wrong email or password" in wrong.text
    assert "code" in code_of(await login(api, site, "bob@example.com", NEW))


async def test_hostile_58_an_account_locked_from_this_address_cannot_be_reset_from_it(api, site, runtime):
    link = await reset_link(api, runtime)
    for _ in range(10):
        await login(api, site, "bob@example.com", "not the password")
    refused = await set_password(api, link, NEW)
    assert refused.status_code == 429
    assert (await api.get(link)).status_code == 200, "the link was not spent: the password did not change"


async def test_hostile_50_reset_and_verify_links_are_single_use_and_typed_by_kind(api, site, runtime):
    link = await reset_link(api, runtime)
    token = link.split("token=", 1)[1]
    assert (await api.get(f"/realms/alpha/email/verify?token={token}")).status_code == 400
    assert (await set_password(api, link, NEW)).status_code == 303
    reused = await api.get(link)
    assert reused.status_code == 400 and "link_invalid" in reused.text
    csrf = CSRF.search((await api.get("/realms/alpha/password/forgot")).text).group(1)
    replay = await api.post(
        "/realms/alpha/password/reset", data={"csrf": csrf, "token": token, "password": "another passphrase 99"}
    )
    assert replay.status_code == 400
    assert "code" in code_of(await login(api, site, "bob@example.com", NEW)), "the replay changed nothing"

    bob = site["users"]["bob@example.com"]
    await api.patch(f"{realm_path('alpha')}/users/{bob}", json={"email_verified": False})
    sent = await api.post(f"{realm_path('alpha')}/users/{bob}/verification-email")
    assert sent.status_code == 202 and sent.json() == {"email_sent": True}
    verify = link_in((await last_mail(api, runtime, "bob@example.com"))["text"])
    assert "/email/verify?token=" in verify
    as_reset = await api.get(verify.replace("/email/verify", "/password/reset"))
    assert as_reset.status_code == 400
    ok = await api.get(verify)
    assert ok.status_code == 200 and "Your email is confirmed" in ok.text
    assert (await api.get(f"{realm_path('alpha')}/users/{bob}")).json()["email_verified"] is True
    assert (await api.get(verify)).status_code == 400
    refused = await api.post(f"{realm_path('alpha')}/users/{bob}/verification-email")
    assert refused.status_code == 400 and refused.json()["error"] == "email_already_verified"


async def test_hostile_50_a_link_of_realm_alpha_is_refused_in_realm_beta(api, site, runtime):
    await api.post("/api/v1/realms", json={"name": "beta"})
    link = await reset_link(api, runtime)
    foreign = link.replace("/realms/alpha/", "/realms/beta/")
    assert (await api.get(foreign)).status_code == 400
    token = link.split("token=", 1)[1]
    form = await api.get("/realms/beta/password/forgot")
    csrf = CSRF.search(form.text).group(1)
    posted = await api.post("/realms/beta/password/reset", data={"csrf": csrf, "token": token, "password": NEW})
    assert posted.status_code == 400
    assert (await set_password(api, link, NEW)).status_code == 303, "still valid in its own realm"


async def test_s7_forgot_password_answers_known_and_unknown_emails_alike(api, site, runtime):
    known, unknown = await forgot(api, "bob@example.com"), await forgot(api, "nobody@example.com")
    assert (known.status_code, known.headers["location"], known.content) == (
        unknown.status_code,
        unknown.headers["location"],
        unknown.content,
    )
    pages = [(await follow(api, response)) for response in (known, unknown)]
    assert pages[0].status_code == pages[1].status_code == 200
    assert pages[0].text == pages[1].text and "Check your email" in pages[0].text
    recipients = {item["recipient"] for item in await outbox(api, runtime)}
    assert recipients == {"bob@example.com"}


async def test_hostile_59_forgot_password_answers_before_any_lookup(api, site, runtime):
    """The answer goes out before the account is looked up or any mail is made: right after a known
    email's answer nothing has been written yet, so a known and an unknown email take the same path
    up to the answer. That ordering is what is asserted; wall-clock timings are not (a test must not
    time itself on a shared machine).

    Each try uses another email (known ones are distinct accounts), so the per-email throttle never
    answers one side differently.
    """
    for index in range(20):
        body = {"email": f"known{index}@example.com", "password": PASSWORD, "connection": "members"}
        assert (await api.post(f"{realm_path('alpha')}/users", json=body)).status_code == 201
    form = await api.get("/realms/alpha/password/forgot")
    csrf = CSRF.search(form.text).group(1)
    for index in range(20):
        for label, email in (("known", f"known{index}@example.com"), ("unknown", f"nobody{index}@example.com")):
            response = await api.post("/realms/alpha/password/forgot", data={"csrf": csrf, "email": email})
            assert response.status_code == 303
            if label == "known":
                kept = await api.get(f"{realm_path('alpha')}/outbox", params={"recipient": email})
                assert kept.json()["items"] == [], "nothing is looked up or sent before the answer"
            await runtime.services.mail.settle()
    assert len(await outbox(api, runtime)) == 20


async def test_s6_forgot_password_is_throttled_per_email_and_ip(api, site, runtime):
    answers = [(await forgot(api, "bob@example.com")).status_code for _ in range(11)]
    assert answers[:10] == [303] * 10 and answers[10] == 429
    mails = [item for item in await outbox(api, runtime) if item["recipient"] == "bob@example.com"]
    assert len(mails) == 10


async def test_a_forged_form_or_link_changes_nothing(api, site, runtime):
    forged = await api.post("/realms/alpha/password/forgot", data={"csrf": "forged", "email": "bob@example.com"})
    assert forged.status_code == 403
    assert await outbox(api, runtime) == []
    form = await api.get("/realms/alpha/password/forgot")
    csrf = CSRF.search(form.text).group(1)
    for token in ("", "garbage", "pln_00000000000000000000000000.x" * 2):
        posted = await api.post("/realms/alpha/password/reset", data={"csrf": csrf, "token": token, "password": NEW})
        assert posted.status_code == 400 and "link_invalid" in posted.text
    assert "code" in code_of(await login(api, site, "bob@example.com"))


async def test_signup_sends_a_verification_link_that_verifies(api, runtime):
    await api.post("/api/v1/realms", json={"name": "alpha"})
    await api.post(f"{realm_path('alpha')}/connections", json={"name": "members", "options": {"signup_enabled": True}})
    app = (
        await api.post(
            f"{realm_path('alpha')}/applications",
            json={"name": "web", "redirect_uris": ["https://app.example.com/callback"]},
        )
    ).json()
    page = await api.get(authorize_url({"app": app}))
    form = await api.get("/realms/alpha/login/signup")
    csrf = CSRF.search(form.text).group(1)
    done = await api.post(
        "/realms/alpha/login/signup",
        data={"csrf": csrf, "email": "nora@example.com", "name": "Nora", "password": NEW_PASSWORD},
    )
    assert done.status_code == 303 and page.status_code == 200
    mail = await last_mail(api, runtime, "nora@example.com")
    assert mail["subject"] == "Confirm your email for alpha" and "Confirm my email" in mail["html"]
    assert (await api.get(link_in(mail["text"]))).status_code == 200
    (user,) = (await api.get(f"{realm_path('alpha')}/users", params={"email": "nora@example.com"})).json()["items"]
    assert user["email_verified"] is True
