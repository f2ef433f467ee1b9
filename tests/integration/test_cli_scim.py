"""``tenantry scim``: tokens printed once, rotated and revoked; settings with the group → role mapping."""

from __future__ import annotations

from tests.integration.test_cli import Cli, cli, migrated  # noqa: F401 (the fixtures)


def test_scim_tokens_and_settings(migrated: Cli):  # noqa: F811
    migrated("realms", "create", "acme")
    migrated("connections", "create", "acme", "directory")
    migrated("roles", "create", "acme", "developer")
    minted = migrated.json("scim", "tokens", "create", "acme", "directory", "--name", "entra")
    assert minted["secret"].startswith("tnt_scim_") and minted["base_url"].endswith("/realms/acme/scim/v2")
    shown = migrated("scim", "tokens", "create", "acme", "directory", "--name", "okta").stdout
    assert "shown once" in shown and "tnt_scim_" in shown
    rotated = migrated.json("scim", "tokens", "rotate", "acme", "directory", minted["token"]["id"])
    assert rotated["token"]["id"] != minted["token"]["id"]
    migrated("scim", "tokens", "revoke", "acme", "directory", rotated["token"]["id"])
    listed = migrated.json("scim", "tokens", "list", "acme", "directory")["items"]
    assert sorted(bool(item["revoked_at"]) for item in listed) == [False, True, True]
    assert all(
        set(item) == {"id", "realm_id", "connection_id", "name", "created_at", "organization_id", "revoked_at"}
        for item in listed
    )
    settings = migrated.json(
        "scim", "configure", "acme", "directory", "--authoritative", "--group-role", "Engineering=developer"
    )
    assert settings["authoritative"] is True and settings["group_roles"] == {"Engineering": ["developer"]}
    refused = migrated("scim", "configure", "acme", "directory", "--group-role", "Ops=nope", code=1)
    assert "unknown_role" in refused.output
