"""Per-realm and per-organization branding of the hosted pages, through the admin API and the pages (SPEC A5)."""

from __future__ import annotations

import re

import pytest

from tenantry.web.middleware import CSP
from tests.integration.api_helpers import V1, make_realm, ok, org_path, realm_path, refused
from tests.integration.test_hosted_login import PASSWORD, REDIRECT, authorize_url, post_step

ALPHA = {"display_name": "Alpha Corp", "logo_url": "https://cdn.alpha.example/logo.svg", "primary_color": "#112233"}
EMPTY = {"display_name": None, "logo_url": None, "primary_color": None}


async def make_site(api, realm: str) -> dict:
    await make_realm(api, realm, display_name=realm.title())
    await api.post(f"{realm_path(realm)}/connections", json={"name": "members"})
    org = ok(await api.post(f"{realm_path(realm)}/organizations", json={"name": "acme", "display_name": "Acme"}))
    await api.post(f"{org_path(realm, 'acme')}/connections", json={"connection": "members"})
    user = ok(
        await api.post(
            f"{realm_path(realm)}/users",
            json={"email": "bob@example.com", "password": PASSWORD, "connection": "members"},
        )
    )
    await api.post(f"{org_path(realm, 'acme')}/members", json={"user_id": user["id"]})
    app = ok(
        await api.post(
            f"{realm_path(realm)}/applications",
            json={
                "name": "web",
                "redirect_uris": [REDIRECT],
                "organization_usage": "allow",
                "organization_prompt": "after_login",
                "initiate_login_uri": "https://app.example.com/login",
            },
        )
    )
    return {"app": app, "org": org, "realm": realm}


def login_page(site, **extra) -> str:
    return authorize_url(site, **extra).replace("/realms/alpha/", f"/realms/{site['realm']}/")


def shown(html: str) -> dict:
    """What base.html shows of the branding: name, logo and stylesheet."""
    logo = re.search(r'<img class="logo" src="([^"]*)" alt="([^"]*)"', html)
    name = re.search(r'<p class="realm">([^<]*)</p>', html)
    sheet = re.search(r'<link rel="stylesheet" href="(/branding/[^"]+)"', html)
    return {
        "display_name": logo.group(2) if logo else name.group(1) if name else None,
        "logo_url": logo.group(1) if logo else None,
        "stylesheet": sheet.group(1) if sheet else None,
    }


@pytest.fixture
async def sites(api):
    return {name: await make_site(api, name) for name in ("alpha", "beta")}


async def test_realm_branding_is_set_through_settings_and_shown_on_its_pages(api, sites):
    before = await api.get(login_page(sites["alpha"]))
    assert shown(before.text) == {"display_name": "Alpha", "logo_url": None, "stylesheet": None}
    assert before.headers["content-security-policy"] == CSP

    realm = ok(await api.patch(realm_path("alpha"), json={"settings": {"branding": ALPHA}}), 200)
    assert realm["settings"]["branding"] == ALPHA
    assert ok(await api.get(realm_path("alpha")))["settings"]["branding"] == ALPHA

    page = await api.get(login_page(sites["alpha"]))
    assert shown(page.text) == {
        "display_name": "Alpha Corp",
        "logo_url": "https://cdn.alpha.example/logo.svg",
        "stylesheet": "/branding/112233.css",
    }
    assert "<title>Sign in · Alpha Corp</title>" in page.text
    policy = page.headers["content-security-policy"]
    assert policy == f"{CSP}; img-src 'self' https://cdn.alpha.example"
    assert "style-src" not in policy and "'unsafe-inline'" not in policy and " style=" not in page.text


async def test_the_colour_stylesheet_holds_only_the_validated_colour(api):
    sheet = await api.get("/branding/112233.css")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/css")
    assert sheet.text == ":root { --accent: #112233; --on-accent: #ffffff; }\n"
    assert "immutable" in sheet.headers["cache-control"]
    for bad in ("11223", "GGGGGG", "112233;x", "1122334", "%3C%2Fstyle%3E"):
        assert (await api.get(f"/branding/{bad}.css")).status_code == 404


async def test_a5_changing_realm_a_branding_changes_nothing_in_realm_b(api, sites):
    beta_realm = ok(await api.get(realm_path("beta")))
    beta_org = ok(await api.get(org_path("beta", "acme")))
    beta_page = shown((await api.get(login_page(sites["beta"], organization="acme"))).text)

    ok(await api.patch(realm_path("alpha"), json={"settings": {"branding": ALPHA}}), 200)
    ok(await api.patch(org_path("alpha", "acme"), json={"branding": {"primary_color": "#445566"}}), 200)

    assert ok(await api.get(realm_path("beta"))) == beta_realm
    assert ok(await api.get(org_path("beta", "acme"))) == beta_org
    for extra in ({}, {"organization": "acme"}, {"organization": sites["alpha"]["org"]["id"]}):
        page = await api.get(login_page(sites["beta"], **extra))
        assert shown(page.text) == beta_page, extra
        assert page.headers["content-security-policy"] == CSP


async def test_the_organization_in_the_login_context_overrides_the_realm_field_by_field(api, sites):
    ok(await api.patch(realm_path("alpha"), json={"settings": {"branding": ALPHA}}), 200)
    org = ok(await api.patch(org_path("alpha", "acme"), json={"branding": {"primary_color": "#445566"}}), 200)
    assert org["branding"] == {**EMPTY, "primary_color": "#445566"}

    for ref in ("acme", sites["alpha"]["org"]["id"]):
        page = await api.get(login_page(sites["alpha"], organization=ref))
        assert shown(page.text) == {
            "display_name": "Alpha Corp",
            "logo_url": "https://cdn.alpha.example/logo.svg",
            "stylesheet": "/branding/445566.css",
        }
    password = await api.get(
        (await post_step(api, "identifier", page.text, email="bob@example.com")).headers["location"]
    )
    assert shown(password.text)["stylesheet"] == "/branding/445566.css", "the PRG page keeps the organization's"

    own = {"display_name": "Acme Inc", "logo_url": "http://localhost:9000/acme.png"}
    ok(await api.patch(org_path("alpha", "acme"), json={"branding": own}), 200)
    page = await api.get(login_page(sites["alpha"], organization="acme"))
    assert shown(page.text) == {
        "display_name": "Acme Inc",
        "logo_url": "http://localhost:9000/acme.png",
        "stylesheet": "/branding/112233.css",
    }
    assert page.headers["content-security-policy"].endswith("img-src 'self' http://localhost:9000")
    assert shown((await api.get(login_page(sites["alpha"]))).text)["display_name"] == "Alpha Corp"


async def test_the_switcher_shows_the_current_organizations_branding(api, sites):
    ok(await api.patch(org_path("alpha", "acme"), json={"branding": {"display_name": "Acme Workspace"}}), 200)
    page = await api.get(login_page(sites["alpha"]))
    done = await post_step(
        api,
        "password",
        (
            await api.get((await post_step(api, "identifier", page.text, email="bob@example.com")).headers["location"])
        ).text,
        password=PASSWORD,
    )
    assert done.headers["location"].startswith(REDIRECT)
    switcher = await api.get(f"/realms/alpha/organizations/switch?client_id={sites['alpha']['app']['client_id']}")
    assert switcher.status_code == 200
    assert shown(switcher.text)["display_name"] == "Acme Workspace"


async def test_organization_branding_on_create_and_markup_in_names_is_escaped(api, sites):
    hostile = {"display_name": '<script>alert(1)</script>" onload="x', "primary_color": "#ABCDEF"}
    created = ok(
        await api.post(f"{realm_path('alpha')}/organizations", json={"name": "globex", "branding": hostile}), 201
    )
    assert created["branding"] == {**EMPTY, **hostile, "primary_color": "#abcdef"}
    page = await api.get(login_page(sites["alpha"], organization="globex"))
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34; onload=&#34;x" in page.text


@pytest.mark.parametrize(
    "bad",
    [
        {"colour": "#000000"},
        {"primary_color": "blue"},
        {"primary_color": "#00000g"},
        {"logo_url": "http://cdn.example.com/logo.png"},
        {"logo_url": "javascript:alert(1)"},
        {"logo_url": "https://cdn.example.com/" + "a" * 2048},
        {"display_name": "x" * 256},
        {"display_name": ""},
    ],
)
async def test_bad_branding_is_a_400_and_nothing_changes(api, sites, bad):
    realm = ok(await api.get(realm_path("alpha")))
    org = ok(await api.get(org_path("alpha", "acme")))
    for response in (
        await api.patch(realm_path("alpha"), json={"settings": {"branding": bad}}),
        await api.patch(org_path("alpha", "acme"), json={"branding": bad}),
        await api.post(f"{realm_path('alpha')}/organizations", json={"name": "globex", "branding": bad}),
        await api.post(f"{V1}/realms", json={"name": "gamma", "settings": {"branding": bad}}),
    ):
        assert refused(response, 400, "invalid_request")["errors"]
    assert ok(await api.get(realm_path("alpha"))) == realm
    assert ok(await api.get(org_path("alpha", "acme"))) == org
    refused(await api.get(org_path("alpha", "globex")), 404, "organization_not_found")
    refused(await api.get(realm_path("gamma")), 404, "realm_not_found")


async def test_unknown_branding_keys_are_named_in_the_error(api, sites):
    details = refused(
        await api.patch(realm_path("alpha"), json={"settings": {"branding": {"logo": "https://a.example/l.png"}}}),
        400,
        "invalid_request",
    )
    assert [error["loc"][-1] for error in details["errors"]] == ["logo"]
    assert details["errors"][0]["type"] == "extra_forbidden"
    details = refused(
        await api.patch(org_path("alpha", "acme"), json={"branding": {"logo": "x"}}), 400, "invalid_request"
    )
    assert details["errors"][0]["loc"][-1] == "logo"
