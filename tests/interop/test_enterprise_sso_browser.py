"""Enterprise SSO end to end in Chromium, through two real customer IdPs (SPEC D6, S3, S4, B5).

Acme's IdP is node oidc-provider (OpenID Connect, code + PKCE, RFC 9207 ``iss``); Globex's is a
pysaml2 IdP signing with xmlsec1. Both organizations verify their email domain through a real
local DNS server, so home-realm discovery sends the identifier page to the right IdP; each login
ends back at the application with a session in that organization and the roles its IdP's groups
map to in the ID token.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.interop.browser import Site, free_port, relying_party, screenshot, server
from tests.interop.saml_idp_peer import SamlPeer, saml_peer
from tests.support.dns_server import LocalDnsServer

try:
    from playwright.async_api import Page, expect
except ImportError:  # chromium_problem() says so, and the tests are skipped
    pass

pytestmark = [pytest.mark.browser, pytest.mark.interop]

IDP_DIR = Path(__file__).resolve().parent / "idp"
CLIENT_ID, CLIENT_SECRET = "tenantry", "customer-idp-client-secret"
REALM = "alpha"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def node_idp_installed() -> Path:
    """``npm ci`` into tests/interop/idp once (node_modules is never committed)."""
    if not (IDP_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        npm = shutil.which("npm")
        assert npm is not None
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, check=True, capture_output=True, timeout=600
        )
    return IDP_DIR


@dataclass
class Federation:
    site: Site
    token: str
    idp: str
    saml: SamlPeer
    organizations: dict[str, str]


class Admin:
    def __init__(self, base_url: str, token: str):
        self.http = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {token}"})

    def post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = self.http.post(path, json=body)
        assert response.status_code == status, f"POST {path}: {response.status_code} {response.text}"
        return dict(response.json())


@contextmanager
def node_idp(port: int, redirect_uri: str, log_path: Path) -> Iterator[str]:
    """node oidc-provider on ``port``; yields its issuer once its discovery document answers."""
    issuer = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["node", "idp.mjs", str(port), CLIENT_ID, CLIENT_SECRET, redirect_uri],
            cwd=node_idp_installed(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            yield issuer
        finally:
            process.terminate()
            process.wait(timeout=10)


def verify_domain(admin: Admin, dns: LocalDnsServer, org: str, domain: str) -> None:
    claim = admin.post(f"/realms/{REALM}/organizations/{org}/domains", {"domain": domain})
    dns.publish(f"_tenantry.{domain}", claim["dns_record"]["value"])
    verified = admin.post(f"/realms/{REALM}/organizations/{org}/domains/{claim['id']}/verify", {}, status=200)
    assert verified["status"] == "verified"


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    directory = tmp_path_factory.mktemp("enterprise-sso")
    with (
        LocalDnsServer() as dns,
        relying_party() as callback,
        server(directory, {"TENANTRY_DNS_NAMESERVERS": json.dumps([dns.nameserver])}) as (base_url, token),
        saml_peer(directory) as saml,
    ):
        admin = Admin(base_url, token)
        admin.post("/realms", {"name": REALM, "display_name": "Alpha"})
        admin.post(f"/realms/{REALM}/roles", {"name": "admin"})
        organizations = {
            name: admin.post(f"/realms/{REALM}/organizations", {"name": name, "display_name": name.title()})["id"]
            for name in ("acme", "globex")
        }
        verify_domain(admin, dns, "acme", "acme.example.com")
        verify_domain(admin, dns, "globex", "globex.example.com")
        app = admin.post(
            f"/realms/{REALM}/applications",
            {"name": "web", "redirect_uris": [callback], "organization_usage": "allow"},
        )
        redirect_uri = f"{base_url}/realms/{REALM}/federation/acme-oidc/callback"
        with node_idp(free_port(), redirect_uri, directory / "idp.log") as issuer:
            admin.post(
                f"/realms/{REALM}/organizations/acme/enterprise-connections",
                {
                    "name": "acme-oidc",
                    "kind": "oidc",
                    "oidc": {"issuer": issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
                    "mapping": {"roles": {"eng": ["admin"]}},
                },
            )
            created = admin.post(
                f"/realms/{REALM}/organizations/globex/enterprise-connections",
                {
                    "name": "globex-saml",
                    "kind": "saml",
                    "saml": {"metadata_url": saml.metadata_url},
                    "mapping": {"email": "email", "name": "name", "groups": "groups", "roles": {"eng": ["admin"]}},
                },
            )
            saml.sp_metadata_url = created["endpoints"]["metadata"]
            site = Site(base_url, callback, app["client_id"], app["client_secret"])
            yield Federation(site, token, issuer, saml, organizations)


def code_at_application(page: Page, site: Site) -> str:
    url = urlsplit(page.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == site.callback, page.url
    query = parse_qs(url.query)
    assert "error" not in query, query
    return query["code"][0]


async def identify(page: Page, site: Site, email: str) -> None:
    await page.goto(site.authorize_url(scope="openid email profile"))
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_role("button", name="Continue").click()


async def oidc_idp_login(page: Page, federation: Federation, login: str) -> None:
    """oidc-provider's development sign-in and consent pages."""
    await page.wait_for_url(f"{federation.idp}/**")
    await page.locator("input[name=login]").fill(login)
    await page.locator("input[name=password]").fill("any password")
    await page.locator("button[type=submit]").click()
    consent = page.locator("button[type=submit]", has_text="Continue")
    await consent.wait_for()
    await consent.click()


async def test_d6_oidc_idp_login_ends_in_acme_with_mapped_roles(page: Page, federation: Federation):
    site = federation.site
    await identify(page, site, "alice@acme.example.com")
    await oidc_idp_login(page, federation, "alice@acme.example.com")
    await page.wait_for_url(f"{site.callback}**")
    claims = site.id_token_claims(code_at_application(page, site))
    assert claims["org_id"] == federation.organizations["acme"]
    assert claims["roles"] == ["admin"]
    assert claims["email"] == "alice@acme.example.com" and claims["email_verified"] is True


async def test_s4_oidc_unverified_email_never_links_to_the_existing_user(page: Page, federation: Federation):
    """HOSTILE 45: another upstream account asserting alice's email with email_verified false."""
    site = federation.site
    await identify(page, site, "alice@acme.example.com")
    await oidc_idp_login(page, federation, "alice@acme.example.com")  # alice exists (first test, or now)
    await page.wait_for_url(f"{site.callback}**")
    fresh = await page.context.browser.new_context()
    other = await fresh.new_page()
    try:
        await identify(other, site, "alice@acme.example.com")
        await oidc_idp_login(other, federation, "unverified:alice@acme.example.com")
        await expect(other.get_by_text("unverified_email_exists").first).to_be_visible()
        assert urlsplit(other.url).netloc == urlsplit(site.base_url).netloc
        assert not any(c["name"].startswith("tnt_session_") for c in await fresh.cookies())
    finally:
        await fresh.close()


async def test_d6_saml_idp_login_ends_in_globex_with_mapped_roles(page: Page, federation: Federation):
    site = federation.site
    await identify(page, site, "gina@globex.example.com")
    await page.wait_for_url(f"{federation.saml.base}/**")
    await expect(page.get_by_role("heading", name="Customer IdP sign-in")).to_be_visible()
    await page.get_by_label("Username").fill("gina@globex.example.com")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(lambda url: "/federation/" not in url and not url.startswith(federation.saml.base))
    assert page.url.startswith(site.callback), await page.content()
    claims = site.id_token_claims(code_at_application(page, site))
    assert claims["org_id"] == federation.organizations["globex"]
    assert claims["roles"] == ["admin"]
    assert claims["email"] == "gina@globex.example.com"
    await screenshot(page, "enterprise-sso-back-at-application")


def _started_login(federation: Federation, email: str) -> tuple[httpx.Client, dict[str, list[str]]]:
    """An identifier-first login driven with httpx up to the redirect to the OIDC IdP."""
    site = federation.site
    client = httpx.Client(base_url=site.base_url)
    page = client.get(site.authorize_url())
    csrf = CSRF.search(page.text)
    assert csrf is not None, page.text
    sent = client.post(f"/realms/{REALM}/login/identifier", data={"csrf": csrf.group(1), "email": email})
    assert sent.status_code == 303 and sent.headers["location"].startswith(federation.idp)
    return client, parse_qs(urlsplit(sent.headers["location"]).query)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"iss": "https://evil.example.com"}, "issuer_mismatch"),  # HOSTILE 16: mix-up
        ({"iss": None}, "issuer_missing"),  # the provider announces RFC 9207, so iss must come
        ({"state": "another-browsers-state"}, "state_mismatch"),  # HOSTILE 17
    ],
)
def test_hostile_16_17_oidc_callback_mix_up_and_state(federation: Federation, change: dict[str, Any], reason: str):
    client, request = _started_login(federation, "alice@acme.example.com")
    params = {"code": "some-code", "state": request["state"][0], "iss": federation.idp, **change}
    answer = client.get(
        f"/realms/{REALM}/federation/acme-oidc/callback", params={k: v for k, v in params.items() if v is not None}
    )
    assert answer.status_code == 403 and reason in answer.text
    assert not any(name.startswith("tnt_session_") for name in client.cookies.keys())


def test_hostile_16_discovery_issuer_must_match_exactly(federation: Federation):
    admin = Admin(federation.site.base_url, federation.token)
    answer = admin.http.post(
        f"/realms/{REALM}/organizations/acme/enterprise-connections",
        json={"name": "acme-mixup", "kind": "oidc", "oidc": {"issuer": f"{federation.idp}/", "client_id": CLIENT_ID}},
    )
    assert answer.status_code == 400 and answer.json()["error"] == "oidc_discovery_failed"
