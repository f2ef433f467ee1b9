"""``/demo``: the demo relying party signs in with code + PKCE, shows the claims and switches organization (D7)."""

from __future__ import annotations

import re

from tenantry.cli.demo import Seeder

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _step(api, path: str, html: str, **fields):
    csrf = CSRF.search(html).group(1)
    response = await api.post(f"/realms/demo/login/{path}", data={"csrf": csrf, **fields})
    assert response.status_code == 303, response.text
    return response


async def _go(api, response):
    """Follow redirects inside the deployment (relative or to our own base URL)."""
    while response.status_code in (302, 303):
        location = response.headers["location"].replace("http://127.0.0.1:8000", "")
        response = await api.get(location)
    return response


async def test_the_demo_signs_alice_in_and_switches_organization(api, runtime):
    await Seeder(runtime).seed()
    start = await _go(api, await api.get("/demo/login"))
    password = await _go(api, await _step(api, "identifier", start.text, email="alice@example.com"))
    picker = await _go(api, await _step(api, "password", password.text, password="alice-demo-password"))
    assert "Acme" in picker.text or "acme" in picker.text
    acme = re.search(r'id="org-1" name="organization_id" value="(org_[^"]+)"', picker.text).group(1)
    home = await _go(api, await _step(api, "organization", picker.text, organization_id=acme))
    assert "Signed in" in home.text and acme in home.text
    switch_link = re.search(r'href="(/realms/demo/organizations/switch\?client_id=[^"]+)"', home.text).group(1)
    switcher = await api.get(switch_link.replace("&amp;", "&"))
    assert switcher.status_code == 200 and "(current)" in switcher.text
    other = re.search(r'<a href="([^"]+)">', switcher.text).group(1).replace("&amp;", "&")
    session_before = {k: v for k, v in api.cookies.items() if k.startswith("tnt_session_")}
    switched = await _go(api, await api.get(other.replace("http://127.0.0.1:8000", "")))
    assert "Signed in" in switched.text and acme not in switched.text
    session_after = {k: v for k, v in api.cookies.items() if k.startswith("tnt_session_")}
    assert session_before != session_after, "S8: an organization switch gets a new session id"


async def test_the_demo_says_how_to_set_it_up_when_not_seeded(api):
    response = await api.get("/demo")
    assert response.status_code == 503 and "tenantry demo seed" in response.text
