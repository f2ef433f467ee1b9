"""The hosted login asks for the organization before login (SPEC D1, D3, D6), on every backend.

Domain claims are verified through a real local DNS server, as in test_domains.py.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tenantry.bootstrap import Runtime
from tests.integration.test_hosted_login import PASSWORD, authorize_url, code_of, exchange, follow, post_step
from tests.support.databases import deployment
from tests.support.dns_server import LocalDnsServer

ALICE = "alice@acme.test"  # member of acme
BOB = "bob@acme.test"  # in the connection, member of nothing
CAROL = "carol@globex.test"  # member of globex, whose claim is only pending
VALUES = re.compile(r'value="[^"]*"')


@pytest.fixture
def dns() -> Iterator[LocalDnsServer]:
    with LocalDnsServer() as server:
        yield server


@pytest.fixture
async def runtime(backend: str, tmp_path: Path, dns: LocalDnsServer) -> AsyncIterator[Runtime]:
    async with deployment(backend, tmp_path, dns_nameservers=[dns.nameserver]) as rt:
        yield rt


async def _claim(api, dns: LocalDnsServer, realm: str, org: str, domain: str, *, verify: bool) -> None:
    claim = await api.post(f"/api/v1/realms/{realm}/organizations/{org}/domains", json={"domain": domain})
    assert claim.status_code == 201, claim.text
    if verify:
        dns.publish(domain, claim.json()["dns_record"]["value"])
        verified = await api.post(f"/api/v1/realms/{realm}/organizations/{org}/domains/{claim.json()['id']}/verify")
        assert verified.json()["status"] == "verified"


@pytest.fixture
async def site(api, dns: LocalDnsServer) -> dict[str, Any]:
    """Realm alpha: acme (verified acme.test) and globex (pending globex.test); realm beta: initech."""
    for realm in ("alpha", "beta"):
        assert (await api.post("/api/v1/realms", json={"name": realm})).status_code == 201
        await api.post(f"/api/v1/realms/{realm}/connections", json={"name": "members"})
    organizations = {}
    for realm, name in (("alpha", "acme"), ("alpha", "globex"), ("beta", "initech")):
        created = await api.post(
            f"/api/v1/realms/{realm}/organizations", json={"name": name, "display_name": name.title()}
        )
        organizations[name] = created.json()["id"]
        await api.post(f"/api/v1/realms/{realm}/organizations/{name}/connections", json={"connection": "members"})
    await _claim(api, dns, "alpha", "acme", "acme.test", verify=True)
    await _claim(api, dns, "alpha", "globex", "globex.test", verify=False)
    await _claim(api, dns, "beta", "initech", "initech.test", verify=True)
    users = {}
    for email, org in ((ALICE, "acme"), (BOB, None), (CAROL, "globex")):
        body = {"email": email, "password": PASSWORD, "connection": "members"}
        users[email] = (await api.post("/api/v1/realms/alpha/users", json=body)).json()["id"]
        if org:
            await api.post(f"/api/v1/realms/alpha/organizations/{org}/members", json={"user_id": users[email]})
    app = await api.post(
        "/api/v1/realms/alpha/applications",
        json={
            "name": "portal",
            "redirect_uris": ["https://app.example.com/callback"],
            "organization_usage": "require",
            "organization_prompt": "before_login",
        },
    )
    assert app.status_code == 201, app.text
    return {"app": app.json(), "users": users, "organizations": organizations}


async def answer_prompt(api, site, **fields: str):
    """Open the authorization, answer the organization prompt; the page that follows."""
    prompt = await api.get(authorize_url(site))
    assert prompt.status_code == 200 and "Find your organization" in prompt.text
    return await follow(api, await post_step(api, "find-organization", prompt.text, **fields))


def id_token_claims(tokens) -> dict[str, Any]:
    payload = tokens.json()["id_token"].split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def test_d3_the_first_page_asks_for_an_organization_name_or_a_work_email(api, site):
    page = await api.get(authorize_url(site))
    assert page.status_code == 200
    assert "<title>Find your organization · alpha</title>" in page.text
    assert '<label for="organization-name">Organization name</label>' in page.text
    assert 'autocomplete="organization"' in page.text
    assert '<label for="work-email">Work email</label>' in page.text
    assert 'id="work-email" name="email" type="email" autocomplete="username"' in page.text
    assert 'name="csrf"' in page.text and 'type="password"' not in page.text
    assert "Acme" not in page.text and "Globex" not in page.text, "no list of organizations"


async def test_d3_a_name_selects_the_organization_and_the_usual_steps_follow(api, site):
    identifier = await answer_prompt(api, site, name="acme")
    assert identifier.status_code == 200 and "Organization: Acme" in identifier.text
    password = await follow(api, await post_step(api, "identifier", identifier.text, email=ALICE))
    assert "Enter your password" in password.text
    done = await post_step(api, "password", password.text, password=PASSWORD)
    tokens = await exchange(api, site, code_of(done)["code"][0])
    claims = id_token_claims(tokens)
    assert claims["sub"] == site["users"][ALICE]
    assert (claims["org_id"], claims["org_name"]) == (site["organizations"]["acme"], "acme")


async def test_d6_a_work_email_of_a_verified_domain_selects_its_organization_and_is_kept(api, site):
    password = await answer_prompt(api, site, email=" Alice@ACME.test ")
    assert password.status_code == 200 and "Enter your password" in password.text
    assert ALICE in password.text, "the email is carried on: no second identifier page"
    done = await post_step(api, "password", password.text, password=PASSWORD)
    claims = id_token_claims(await exchange(api, site, code_of(done)["code"][0]))
    assert claims["org_id"] == site["organizations"]["acme"]


@pytest.mark.parametrize("name", ["nosuch", "initech", "Initech", "org_01jzzzzzzzzzzzzzzzzzzzzzzz", "a" * 400])
async def test_an_unknown_name_shows_the_same_page_whatever_exists_in_other_realms(api, site, name):
    page = await answer_prompt(api, site, name=name)
    assert page.status_code == 400
    assert "We could not find that organization. Check the name and try again." in page.text
    assert 'aria-invalid="true"' in page.text
    shown = VALUES.sub("", page.text)
    assert "Acme" not in shown and "Globex" not in shown and "Initech" not in shown
    reference = await answer_prompt(api, site, name="nosuch")
    assert shown == VALUES.sub("", reference.text)


@pytest.mark.parametrize("email", ["carol@globex.test", "dana@unclaimed.test", "eve@initech.test"])
async def test_d6_pending_claims_unknown_domains_and_other_realms_never_route(api, site, email):
    page = await answer_prompt(api, site, email=email)
    assert page.status_code == 400
    assert "No organization uses that email&#39;s domain. Enter your organization&#39;s name instead." in page.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Enter your organization&#39;s name or your work email."),
        ({"name": "acme", "email": ALICE}, "not both"),
        ({"email": "not-an-email"}, "Enter a valid email address."),
    ],
)
async def test_incomplete_answers_stay_on_the_prompt(api, site, fields, message):
    page = await answer_prompt(api, site, **fields)
    assert page.status_code == 400 and message in page.text and "Find your organization" in page.text


async def test_d3_a_user_who_is_not_a_member_gets_an_error_page_and_no_code(api, site):
    password = await answer_prompt(api, site, email=BOB)
    done = await post_step(api, "password", password.text, password=PASSWORD)
    assert done.headers["location"] == "/realms/alpha/login", "our own page, not the application"
    page = await follow(api, done)
    assert page.status_code == 403
    assert "You are not a member of Acme." in page.text and "access_denied" in page.text


async def test_d3_a_member_of_another_organization_is_refused_too(api, site):
    identifier = await answer_prompt(api, site, name="acme")
    password = await follow(api, await post_step(api, "identifier", identifier.text, email=CAROL))
    page = await follow(api, await post_step(api, "password", password.text, password=PASSWORD))
    assert page.status_code == 403 and "You are not a member of Acme." in page.text


async def test_the_prompt_cannot_be_skipped_by_posting_the_email_step(api, site):
    prompt = await api.get(authorize_url(site))
    page = await follow(api, await post_step(api, "identifier", prompt.text, email=ALICE))
    assert page.status_code == 400 and "Find your organization" in page.text
    assert "Enter your organization&#39;s name or your work email first." in page.text


async def test_d4_an_organization_parameter_skips_the_prompt(api, site):
    page = await api.get(authorize_url(site, organization="acme"))
    assert page.status_code == 200 and "Organization: Acme" in page.text and "Find your" not in page.text
    password = await follow(api, await post_step(api, "identifier", page.text, email=ALICE))
    done = await post_step(api, "password", password.text, password=PASSWORD)
    assert "code" in code_of(done)


async def test_s8_the_prompt_form_needs_our_csrf_token(api, site):
    await api.get(authorize_url(site))
    response = await api.post("/realms/alpha/login/find-organization", data={"csrf": "forged", "name": "acme"})
    assert response.status_code == 403


async def test_a_live_session_uses_the_users_own_memberships_instead_of_asking(api, site):
    password = await answer_prompt(api, site, email=ALICE)
    await post_step(api, "password", password.text, password=PASSWORD)
    again = await api.get(authorize_url(site))
    assert again.status_code == 302 and "code" in code_of(again)
