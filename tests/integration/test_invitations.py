"""Invitations through the admin API, the outbox and the hosted pages (SPEC E1-E4, C1, C5, S5; HOSTILE 42, 43)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.api_helpers import org_path, realm_path, refused
from tests.integration.mail_helpers import last_mail, link_in, outbox
from tests.integration.test_hosted_login import CSRF, PASSWORD, follow
from tests.support.clock import ManualClock
from tests.support.databases import deployment

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
async def site(api):
    """Realm alpha: connection ``members`` (sign-up off), organizations acme (standard) and vault (isolated),
    role ``editor``, and carol@example.com already in ``members``."""
    for path, body in (
        ("/api/v1/realms", {"name": "alpha", "display_name": "Alpha"}),
        (realm_path("alpha") + "/connections", {"name": "members"}),
        (realm_path("alpha") + "/roles", {"name": "editor", "permissions": ["docs:write"]}),
        (realm_path("alpha") + "/organizations", {"name": "acme", "display_name": "Acme Corp"}),
        (realm_path("alpha") + "/organizations", {"name": "vault", "display_name": "Vault", "isolated": True}),
        (org_path("alpha", "acme") + "/connections", {"connection": "members"}),
        (
            realm_path("alpha") + "/users",
            {"email": "carol@example.com", "password": PASSWORD, "connection": "members"},
        ),
    ):
        response = await api.post(path, json=body)
        assert response.status_code == 201, (path, response.text)
    await api.patch(
        org_path("alpha", "acme"), json={"branding": {"display_name": "Acme Portal", "primary_color": "#aa3300"}}
    )
    return {}


async def invite(api, email: str, org: str = "acme", **body):
    response = await api.post(f"{org_path('alpha', org)}/invitations", json={"email": email, **body})
    assert response.status_code == 201, response.text
    return response.json()


async def members(api, org: str = "acme") -> dict[str, list[str]]:
    items = (await api.get(f"{org_path('alpha', org)}/members", params={"limit": 200})).json()["items"]
    return {item["user_id"]: item["roles"] for item in items}


async def invitation_rows(api, org: str = "acme") -> list[dict]:
    return (await api.get(f"{org_path('alpha', org)}/invitations")).json()["items"]


async def open_invitation(api, link: str):
    page = await api.get(link)
    assert page.status_code == 200, page.text
    return page


async def post(api, path: str, html: str, **fields):
    csrf = CSRF.search(html).group(1)
    response = await api.post(path, data={"csrf": csrf, **fields})
    assert response.status_code == 303, response.text
    return response


async def sign_up_through(api, link: str, email: str, name: str = "Nora New"):
    page = await open_invitation(api, link)
    form = await api.get("/realms/alpha/login/signup")
    assert form.status_code == 200, form.text
    assert f'value="{email}"' in form.text or email != page.text
    done = await post(api, "/realms/alpha/login/signup", form.text, email=email, name=name, password=NEW_PASSWORD)
    return await follow(api, done)


async def sign_in_through(api, link: str, email: str, password: str = PASSWORD):
    page = await open_invitation(api, link)
    password_page = await follow(api, await post(api, "/realms/alpha/login/identifier", page.text, email=email))
    done = await post(api, "/realms/alpha/login/password", password_page.text, password=password)
    return await follow(api, done)


async def test_e1_e4_invitation_mail_lands_in_the_outbox_with_branding_and_a_single_use_link(api, site, runtime):
    created = await invite(api, "nora@example.com", roles=["editor"])
    assert created["status"] == "pending" and created["email_sent"] is True and "link" not in created
    assert created["roles"] == ["editor"] and "token_hash" not in created
    expiry = (created["expires_at"], created["created_at"])
    assert expiry[0] > expiry[1]
    mail = await last_mail(api, runtime, "nora@example.com")
    assert mail["subject"] == "You are invited to join Acme Corp on Acme Portal"
    assert "Acme Portal" in mail["html"] and "#aa3300" in mail["html"] and "Acme Corp" in mail["text"]
    link = link_in(mail["text"])
    assert link.startswith("/realms/alpha/invitations/accept?invitation=") and "organization=org_" in link
    assert link_in(mail["html"].replace("&amp;", "&")) == link


async def test_e4_invitation_without_email_returns_the_link_and_sends_nothing(api, site, runtime):
    created = await invite(api, "nora@example.com", send_email=False)
    assert created["email_sent"] is None and "/invitations/accept?invitation=" in created["link"]
    assert await outbox(api, runtime) == []


async def test_e2_signup_with_the_invited_email_creates_the_membership_with_roles_and_verifies(api, site, runtime):
    await invite(api, "nora@example.com", roles=["editor"])
    link = link_in((await last_mail(api, runtime, "nora@example.com"))["text"])
    page = await sign_up_through(api, link, "nora@example.com")
    assert page.status_code == 200 and "You joined Acme Corp" in page.text
    assert not any(name.startswith("tnt_session") for name in api.cookies), "no session without an application"
    (user,) = (await api.get(realm_path("alpha") + "/users", params={"email": "nora@example.com"})).json()["items"]
    assert user["email_verified"] is True
    assert await members(api) == {user["id"]: ["editor"]}
    (row,) = await invitation_rows(api)
    assert row["status"] == "accepted" and row["accepted_user_id"] == user["id"]
    assert await outbox(api, runtime, recipient="nora@example.com") and all(
        "Confirm your email" not in m["subject"] for m in await outbox(api, runtime)
    )


async def test_e2_an_existing_account_signs_in_and_joins(api, site, runtime):
    await invite(api, "carol@example.com", roles=["editor"])
    link = link_in((await last_mail(api, runtime, "carol@example.com"))["text"])
    page = await sign_in_through(api, link, "carol@example.com")
    assert "You joined Acme Corp" in page.text
    carol = (await api.get(realm_path("alpha") + "/users", params={"email": "carol@example.com"})).json()["items"][0]
    assert await members(api) == {carol["id"]: ["editor"]} and carol["email_verified"] is True


async def test_e2_another_email_is_refused_with_a_clear_page_and_nothing_changes(api, site, runtime):
    await invite(api, "nora@example.com")
    link = link_in((await last_mail(api, runtime, "nora@example.com"))["text"])
    page = await sign_in_through(api, link, "carol@example.com")
    assert page.status_code == 403 and "invitation_email_mismatch" in page.text
    assert "sent to another email address" in page.text
    assert await members(api) == {}
    assert [row["status"] for row in await invitation_rows(api)] == ["pending"]
    signup = await sign_up_through(api, link, "mallory@example.com")
    assert signup.status_code == 400 and "sent to another email address" in signup.text
    assert (await api.get(realm_path("alpha") + "/users", params={"email": "mallory@example.com"})).json()[
        "items"
    ] == []


async def _state(api) -> tuple[dict, list[dict], int]:
    users = (await api.get(realm_path("alpha") + "/users", params={"limit": 200})).json()["items"]
    return await members(api), await invitation_rows(api), len(users)


async def test_e3_used_and_revoked_invitations_show_a_clear_page_and_change_nothing(api, site, runtime):
    await invite(api, "nora@example.com")
    used = link_in((await last_mail(api, runtime, "nora@example.com"))["text"])
    await sign_up_through(api, used, "nora@example.com")
    revoked = await invite(api, "dora@example.com", send_email=False)
    ok = await api.post(f"{org_path('alpha', 'acme')}/invitations/{revoked['id']}/revoke")
    assert ok.status_code == 200 and ok.json()["status"] == "revoked"
    before = await _state(api)
    for link, code, words in (
        (used, "invitation_used", "already been used"),
        (revoked["link"].removeprefix("http://127.0.0.1:8000"), "invitation_revoked", "withdrawn"),
        ("/realms/alpha/invitations/accept?invitation=forged&organization=acme", "invitation_invalid", "not valid"),
    ):
        page = await api.get(link)
        assert page.status_code in (400, 410) and code in page.text and words in page.text, page.text
    assert await _state(api) == before
    again = await api.post(f"{org_path('alpha', 'acme')}/invitations/{revoked['id']}/revoke")
    refused(again, 400, "invitation_not_pending")


async def test_e3_an_invitation_revoked_while_the_user_signs_in_is_refused(api, site, runtime):
    created = await invite(api, "carol@example.com", send_email=False)
    link = created["link"].removeprefix("http://127.0.0.1:8000")
    page = await open_invitation(api, link)
    await api.post(f"{org_path('alpha', 'acme')}/invitations/{created['id']}/revoke")
    password_page = await follow(
        api, await post(api, "/realms/alpha/login/identifier", page.text, email="carol@example.com")
    )
    done = await follow(api, await post(api, "/realms/alpha/login/password", password_page.text, password=PASSWORD))
    assert done.status_code == 410 and "withdrawn" in done.text
    assert await members(api) == {}


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_e3_an_expired_invitation_shows_a_clear_page_and_changes_nothing(backend, tmp_path):
    from tests.support.api import api_client

    clock = ManualClock()
    async with deployment(backend, tmp_path, clock=clock) as runtime, api_client(runtime) as api:
        await api.post("/api/v1/realms", json={"name": "alpha"})
        await api.post(realm_path("alpha") + "/connections", json={"name": "members"})
        await api.post(realm_path("alpha") + "/organizations", json={"name": "acme"})
        await api.post(org_path("alpha", "acme") + "/connections", json={"connection": "members"})
        created = await invite(api, "nora@example.com", send_email=False, expires_in_days=1)
        clock.advance(timedelta(days=1, seconds=1).total_seconds())
        before = await _state(api)
        page = await api.get(created["link"].removeprefix("http://127.0.0.1:8000"))
        assert page.status_code == 410 and "invitation_expired" in page.text and "expired" in page.text
        assert await _state(api) == before
        assert [row["status"] for row in await invitation_rows(api)] == ["expired"]


async def test_c5_an_isolated_organizations_invitation_creates_a_distinct_user_in_its_own_connection(
    api, site, runtime
):
    created = await invite(api, "carol@example.com", org="vault", send_email=False)
    page = await sign_up_through(api, created["link"].removeprefix("http://127.0.0.1:8000"), "carol@example.com")
    assert "You joined Vault" in page.text
    vault_members = await members(api, "vault")
    (new_id,) = vault_members
    carol = (await api.get(realm_path("alpha") + "/users", params={"email": "carol@example.com"})).json()["items"]
    assert len(carol) == 2 and new_id in {u["id"] for u in carol}
    new = next(u for u in carol if u["id"] == new_id)
    vault = (await api.get(org_path("alpha", "vault") + "/connections")).json()["items"]
    assert new["connection_id"] in {link["connection_id"] for link in vault}


async def test_c1_a_member_of_an_isolated_organization_cannot_accept_another_organizations_invitation(
    api, site, runtime
):
    created = await invite(api, "vera@example.com", org="vault", send_email=False)
    await sign_up_through(api, created["link"].removeprefix("http://127.0.0.1:8000"), "vera@example.com")
    api.cookies.clear()
    # The isolated member's account lives in vault's own connection, which acme does not accept: the
    # login through acme's invitation cannot find it, and no membership appears.
    other = await invite(api, "vera@example.com", send_email=False)
    page = await sign_in_through(
        api, other["link"].removeprefix("http://127.0.0.1:8000"), "vera@example.com", NEW_PASSWORD
    )
    assert page.status_code == 400 and "Wrong email or password" in page.text
    assert await members(api) == {}


async def test_s5_invitations_of_another_realm_or_organization_are_not_found(api, site, runtime):
    created = await invite(api, "nora@example.com", send_email=False)
    await api.post("/api/v1/realms", json={"name": "beta"})
    await api.post(realm_path("beta") + "/organizations", json={"name": "acme"})
    refused(await api.get(f"{org_path('beta', 'acme')}/invitations/{created['id']}"), 404, "invitation_not_found")
    refused(await api.get(f"{org_path('alpha', 'vault')}/invitations/{created['id']}"), 404, "invitation_not_found")
    assert (await api.get(f"{org_path('beta', 'acme')}/invitations")).json()["items"] == []
    token = (await api.post("/api/v1/tokens", json={"name": "b", "kind": "realm_admin", "realm": "beta"})).json()
    other = await api.get(
        f"{org_path('alpha', 'acme')}/invitations", headers={"Authorization": f"Bearer {token['token']}"}
    )
    refused(other, 404, "realm_not_found")


async def test_bad_invitation_input_is_refused_and_writes_nothing(api, site, runtime):
    for body, status, code in (
        ({"email": "not-an-email"}, 400, None),
        ({"email": "nora@example.com", "roles": ["ghost"]}, 400, "unknown_role"),
        ({"email": "nora@example.com", "expires_in_days": 31}, 400, None),
        ({"email": "nora@example.com", "surprise": 1}, 400, None),
        ({"email": "nora@example.com", "application": "ghost"}, 404, "application_not_found"),
    ):
        response = await api.post(f"{org_path('alpha', 'acme')}/invitations", json=body)
        assert response.status_code in (status, 422), response.text
        if code:
            assert response.json()["error"] == code
    assert await invitation_rows(api) == [] and await outbox(api, runtime) == []


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_e4_a_mail_server_that_cannot_be_reached_is_reported_and_the_link_returned(backend, tmp_path, free_port):
    """The failure is logged and surfaced (``email_sent: false`` and the link); the invitation still exists."""
    from tests.support.api import api_client

    url = f"smtp://127.0.0.1:{free_port}?starttls=off"
    async with (
        deployment(backend, tmp_path, smtp_url=url, smtp_timeout_seconds=2) as runtime,
        api_client(runtime) as api,
    ):
        await api.post("/api/v1/realms", json={"name": "alpha"})
        await api.post(realm_path("alpha") + "/organizations", json={"name": "acme"})
        created = await invite(api, "nora@example.com")
        assert created["email_sent"] is False and "/invitations/accept?invitation=" in created["link"]
        assert [row["status"] for row in await invitation_rows(api)] == ["pending"]
        assert await outbox(api, runtime) == [], "with SMTP configured nothing goes to the outbox"


@pytest.fixture
def free_port() -> int:
    from tests.interop.browser import free_port as pick

    return pick()


async def test_e1_an_applications_invitation_goes_to_its_login_route_and_returns_with_a_code(api, site, runtime):
    from tests.integration.test_hosted_login import REDIRECT, authorize_url, code_of

    app = await api.post(
        realm_path("alpha") + "/applications",
        json={
            "name": "portal",
            "redirect_uris": [REDIRECT],
            "organization_usage": "allow",
            "initiate_login_uri": "https://app.example.com/login",
        },
    )
    assert app.status_code == 201, app.text
    created = await invite(api, "carol@example.com", roles=["editor"], application="portal", send_email=False)
    assert created["link"].startswith("https://app.example.com/login?invitation=")
    query = created["link"].split("?", 1)[1]
    page = await api.get(authorize_url({"app": app.json()}) + "&" + query)
    assert page.status_code == 200 and "Join Acme Corp" in page.text
    password_page = await follow(
        api, await post(api, "/realms/alpha/login/identifier", page.text, email="carol@example.com")
    )
    done = await post(api, "/realms/alpha/login/password", password_page.text, password=PASSWORD)
    assert "code" in code_of(done)
    carol = (await api.get(realm_path("alpha") + "/users", params={"email": "carol@example.com"})).json()["items"][0]
    assert await members(api) == {carol["id"]: ["editor"]}
    used = await api.get(authorize_url({"app": app.json()}) + "&" + query)
    assert used.status_code == 410 and "invitation_used" in used.text
