"""`tenantry saml ...` in-process on each backend: metadata import, A4, metadata with the next certificate (I5)."""

from __future__ import annotations

from lxml import etree

from tests.integration.test_api_saml_applications import SP_METADATA
from tests.integration.test_cli_keys import cli  # noqa: F401 - the fixture

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def _certificates(xml: str) -> list[str]:
    return [item.text for item in etree.fromstring(xml.encode()).iter(f"{DS}X509Certificate")]


def test_saml_create_from_metadata_list_show_delete(cli, tmp_path):  # noqa: F811
    cli("realms", "create", "alpha")
    cli("realms", "create", "beta")
    path = tmp_path / "sp.xml"
    path.write_text(SP_METADATA)
    created = cli.json("saml", "create", "alpha", "crm", "--metadata", str(path))
    assert created["entity_id"] == "https://sp.example.com/metadata"
    assert created["acs_urls"] == ["https://sp.example.com/acs/1", "https://sp.example.com/acs/2"]
    assert created["metadata_url"].endswith(f"/realms/alpha/saml/{created['id']}/metadata")
    taken = cli("saml", "create", "beta", "crm", "--metadata", str(path), code=1)
    assert "error entity_id_taken" in taken.stderr
    assert cli.json("saml", "list", "beta")["items"] == []
    flex = cli.json(
        "saml",
        "create",
        "beta",
        "flex",
        "--entity-id",
        "https://flex.example.com",
        "--acs",
        "https://flex.example.com/acs",
        "--preset",
        "twilio_flex",
    )
    assert [rule["name"] for rule in flex["attributes"]][:3] == ["email", "full_name", "roles"]
    assert [item["name"] for item in cli.json("saml", "list", "alpha")["items"]] == ["crm"]
    assert "sso_url" in cli("saml", "show", "alpha", "crm").stdout
    assert "error saml_application_not_found" in cli("saml", "show", "beta", "crm", code=1).stderr
    cli("saml", "delete", "alpha", "crm")
    assert cli.json("saml", "list", "alpha")["items"] == []


def test_i5_next_certificate_is_published_before_it_signs(cli):  # noqa: F811
    cli("realms", "create", "alpha")
    cli.json(
        "saml", "create", "alpha", "sp", "--entity-id", "https://sp.example.com", "--acs", "https://sp.example.com/acs"
    )
    before = _certificates(cli("saml", "metadata", "alpha", "sp").stdout)
    assert len(before) == 1
    assert _certificates(cli("saml", "metadata", "alpha", "sp").stdout) == before  # stable per key
    cli("keys", "rotate", "alpha", "--alg", "RS256")
    after = _certificates(cli("saml", "metadata", "alpha", "sp").stdout)
    assert len(after) == 2 and after[0] == before[0]  # the signing certificate first, the next one published


def test_demo_seed_adds_a_second_realm_with_flex(cli):  # noqa: F811
    cli("demo", "seed")
    (flex,) = cli.json("saml", "list", "helpline")["items"]
    assert flex["name"] == "flex"
    assert flex["entity_id"].startswith("https://iam.twilio.com/v1/Accounts/")
    assert cli.json("saml", "list", "demo")["items"] == []
    assert "nothing new" in cli("demo", "seed").stdout
