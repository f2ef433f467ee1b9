"""Branding values (DESIGN section 4): what is accepted, how an organization overrides its realm, and what
reaches the page's stylesheet and Content-Security-Policy."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tenantry.core.branding import Branding
from tenantry.core.errors import InvalidInput
from tenantry.web.middleware import CSP, content_security_policy
from tenantry.web.pages.branding import on_accent


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://cdn.example.com/logo.png", "https://cdn.example.com"),
        ("https://CDN.Example.com:8443/a/b.svg?v=2#x", "https://cdn.example.com:8443"),
        ("http://localhost:8000/logo.png", "http://localhost:8000"),
        ("http://127.0.0.1/logo.png", "http://127.0.0.1"),
        ("http://[::1]:9000/logo.png", "http://[::1]:9000"),
        ("https://[2001:db8::1]/logo.png", "https://[2001:db8::1]"),
        ("https://xn--bcher-kva.example/logo%20big.png", "https://xn--bcher-kva.example"),
    ],
)
def test_logo_urls_accepted_and_their_origin(url, origin):
    assert Branding(logo_url=url).logo_origin == origin


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.example.com/logo.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "ftp://cdn.example.com/logo.png",
        "//cdn.example.com/logo.png",
        "/static/logo.png",
        "https://user:pass@cdn.example.com/logo.png",
        "https://cdn.example.com/my logo.png",
        "https://cdn.example.com/logo.png\n",
        "https://cdn.example.com\\@evil.example/logo.png",
        "https://bücher.example/logo.png",
        "https://cdn_example.com/logo.png",
        "https://cdn.example.com:99999/logo.png",
        "https:///logo.png",
        "https://cdn.example.com/" + "a" * 2048,
    ],
)
def test_bad_logo_urls_are_refused(url):
    with pytest.raises(ValidationError):
        Branding(logo_url=url)


@pytest.mark.parametrize("color", ["#1F4FD1", "#1f4fd1"])
def test_colors_are_six_hex_digits_kept_in_lower_case(color):
    assert Branding(primary_color=color).primary_color == "#1f4fd1"


@pytest.mark.parametrize("color", ["1f4fd1", "#fff", "#1f4fd1ff", "#gggggg", "red", "#1f4fd1;}", "#1f4fd1\n", ""])
def test_other_colors_are_refused(color):
    with pytest.raises(ValidationError):
        Branding(primary_color=color)


def test_display_name_bounds_and_unknown_keys():
    assert Branding(display_name="x" * 255).display_name == "x" * 255
    for bad in ({"display_name": ""}, {"display_name": "x" * 256}, {"color": "#000000"}, {"logo": "https://a.b/"}):
        with pytest.raises(ValidationError):
            Branding.model_validate(bad)


def test_parse_turns_problems_into_a_400_with_each_location():
    with pytest.raises(InvalidInput) as refused:
        Branding.parse({"colour": "#000000", "primary_color": "blue"})
    assert refused.value.code == "invalid_request"
    assert sorted(error["loc"][0] for error in refused.value.details["errors"]) == ["colour", "primary_color"]


def test_an_organization_overrides_its_realm_field_by_field():
    realm = Branding(display_name="Alpha", logo_url="https://alpha.example/logo.png", primary_color="#111111")
    org = Branding(primary_color="#222222")
    assert org.over(realm) == Branding(
        display_name="Alpha", logo_url="https://alpha.example/logo.png", primary_color="#222222"
    )
    assert Branding().over(realm) == realm
    assert realm.over(Branding()) == realm


def test_stored_branding_keeps_only_valid_known_fields():
    stored = {"color": "#000000", "primary_color": "#ABCDEF", "logo_url": "javascript:alert(1)", "display_name": "Acme"}
    assert Branding.stored(stored) == Branding(primary_color="#abcdef", display_name="Acme")
    assert Branding(display_name="Acme", primary_color="#abcdef").for_storage() == {
        "display_name": "Acme",
        "primary_color": "#abcdef",
    }


def test_the_page_policy_only_adds_image_origins_to_the_default():
    assert content_security_policy() == CSP
    policy = content_security_policy(image_origins=("https://cdn.example.com",))
    assert policy == f"{CSP}; img-src 'self' https://cdn.example.com"
    assert "script-src" not in policy and "style-src" not in policy


@pytest.mark.parametrize(
    ("accent", "text"),
    [("1f4fd1", "#ffffff"), ("000000", "#ffffff"), ("ffff00", "#1b1b1f"), ("ffffff", "#1b1b1f"), ("a4161a", "#ffffff")],
)
def test_button_text_contrasts_with_the_accent(accent, text):
    assert on_accent(accent) == text
