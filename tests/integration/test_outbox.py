"""The outbox without SMTP: mail kept per realm, read through the admin API and the CLI (SPEC E4, S5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.api_helpers import org_path, realm_path, refused
from tests.integration.mail_helpers import outbox
from tests.integration.test_cli import Cli
from tests.support import databases


@pytest.fixture
def migrated(backend: str, tmp_path: Path) -> Iterator[Cli]:
    """``tenantry`` against a migrated deployment of its own, with no SMTP server configured."""
    settings, prefix = databases.test_settings(backend, tmp_path)
    env: dict[str, str | None] = {
        "TENANTRY_DATA_DIR": str(tmp_path),
        "TENANTRY_DATABASE_URL": settings.database_url,
        "TENANTRY_ARGON2_TIME_COST": "1",
        "TENANTRY_ARGON2_MEMORY_KIB": "1024",
        "TENANTRY_SMTP_URL": None,
        "TENANTRY_BASE_URL": None,
        "TENANTRY_PLANE_SERVERS": None,
        "COLUMNS": "250",
    }
    try:
        cli = Cli(CliRunner(), env, settings)
        cli("migrate")
        yield cli
    finally:
        if prefix:
            databases._drop_databases(prefix)


@pytest.fixture
async def realms(api):
    for name in ("alpha", "beta"):
        assert (await api.post("/api/v1/realms", json={"name": name})).status_code == 201
        assert (await api.post(realm_path(name) + "/organizations", json={"name": "acme"})).status_code == 201
    for name, email in (("alpha", "ann@example.com"), ("beta", "ben@example.com")):
        created = await api.post(org_path(name, "acme") + "/invitations", json={"email": email})
        assert created.status_code == 201 and created.json()["email_sent"] is True


async def test_e4_each_realm_sees_only_its_own_mail(api, runtime, realms):
    (alpha,) = await outbox(api, runtime, "alpha")
    (beta,) = await outbox(api, runtime, "beta")
    assert alpha["recipient"] == "ann@example.com" and beta["recipient"] == "ben@example.com"
    assert alpha["id"].startswith("msg_") and "html" not in alpha
    full = (await api.get(f"{realm_path('alpha')}/outbox/{alpha['id']}")).json()
    assert full["subject"].startswith("You are invited to join acme") and "<html" in full["html"] and full["text"]
    refused(await api.get(f"{realm_path('alpha')}/outbox/{beta['id']}"), 404, "message_not_found")
    assert (await api.get(f"{realm_path('alpha')}/outbox", params={"recipient": "ben@example.com"})).json()[
        "items"
    ] == []


async def test_s5_the_outbox_is_closed_to_other_realms_and_to_organization_admins(api, runtime, realms):
    tokens = {}
    for kind, body in (
        ("beta_admin", {"kind": "realm_admin", "realm": "beta"}),
        ("alpha_org_admin", {"kind": "org_admin", "realm": "alpha", "organization": "acme"}),
    ):
        tokens[kind] = (await api.post("/api/v1/tokens", json={"name": kind, **body})).json()["token"]
    (alpha,) = await outbox(api, runtime, "alpha")
    beta_admin = {"Authorization": f"Bearer {tokens['beta_admin']}"}
    refused(await api.get(f"{realm_path('alpha')}/outbox", headers=beta_admin), 404, "realm_not_found")
    refused(await api.get(f"{realm_path('alpha')}/outbox/{alpha['id']}", headers=beta_admin), 404, "realm_not_found")
    org_admin = {"Authorization": f"Bearer {tokens['alpha_org_admin']}"}
    assert (await api.get(f"{realm_path('alpha')}/outbox", headers=org_admin)).status_code == 403


def test_e4_cli_lists_and_shows_the_outbox_per_realm(migrated: Cli):
    cli = migrated
    for name in ("alpha", "beta"):
        cli("realms", "create", name)
        cli("orgs", "create", name, "acme", "--display-name", f"Acme {name}")
    created = cli.json("invitations", "create", "alpha", "acme", "ann@example.com")
    assert created["email_sent"] is True and "link" not in created
    quiet = cli.json("invitations", "create", "beta", "acme", "ben@example.com", "--no-email")
    assert quiet["email_sent"] is None and "/realms/beta/invitations/accept?invitation=" in quiet["link"]

    (entry,) = cli.json("outbox", "list", "alpha")["items"]
    assert entry["recipient"] == "ann@example.com" and entry["subject"] == "You are invited to join Acme alpha on alpha"
    assert cli.json("outbox", "list", "beta")["items"] == []
    shown = cli("outbox", "show", "alpha", entry["id"]).stdout
    assert "To: ann@example.com" in shown and "/realms/alpha/invitations/accept?invitation=" in shown
    assert "<html" in cli("outbox", "show", "alpha", entry["id"], "--html").stdout
    assert "message_not_found" in cli("outbox", "show", "beta", entry["id"], code=1).output

    listed = cli.json("invitations", "list", "alpha", "acme")["items"]
    assert [item["email"] for item in listed] == ["ann@example.com"]
    assert "token_hash" not in listed[0]
    assert "revoked" in cli("invitations", "revoke", "alpha", "acme", listed[0]["id"]).stdout
    assert "invitation_not_pending" in cli("invitations", "revoke", "alpha", "acme", listed[0]["id"], code=1).output
    table = cli("invitations", "list", "alpha", "acme").stdout
    assert "revoked" in table
