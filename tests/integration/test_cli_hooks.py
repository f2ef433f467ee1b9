"""``tenantry hooks``: create, list, order, update, rotate and delete from the command line (SPEC J1, J2)."""

from __future__ import annotations

import json

from tests.integration.test_cli import Cli, cli, migrated

__all__ = ["cli", "migrated"]

RULE = json.dumps({"condition": 'organization.name == "acme"', "actions": [{"type": "require_mfa"}]})


def test_hooks_commands(migrated: Cli, tmp_path):
    migrated("realms", "create", "shop")
    created = migrated("hooks", "create", "shop", "mfa-acme", "--kind", "rule", "--config", RULE)
    assert "hook mfa-acme created" in created.stdout
    webhook = tmp_path / "webhook.json"
    webhook.write_text(json.dumps({"url": "https://hooks.example.com/login", "timeout_seconds": 2}))
    made = migrated.json(
        "hooks", "create", "shop", "risk", "--kind", "webhook", "--config", f"@{webhook}", "--fail-open"
    )
    assert made["secret"].startswith("whsec_") and "sealed_secret" not in made["hook"]

    listed = migrated.json("hooks", "list", "shop")["items"]
    assert [(hook["name"], hook["position"]) for hook in listed] == [("mfa-acme", 0), ("risk", 1)]
    ordered = migrated.json("hooks", "order", "shop", "risk", "mfa-acme")["items"]
    assert [hook["name"] for hook in ordered] == ["risk", "mfa-acme"]

    assert migrated.json("hooks", "update", "shop", "risk", "--disable")["enabled"] is False
    rotated = migrated("hooks", "rotate-secret", "shop", "risk")
    assert (
        "secret: whsec_" in rotated.stdout and "sealed_secret" not in migrated("hooks", "show", "shop", "risk").stdout
    )

    bad = migrated(
        "hooks", "create", "shop", "bad", "--kind", "rule", "--config", '{"condition": "user.", "actions": []}', code=1
    )
    assert "error invalid_request" in bad.stderr or "error invalid_expression" in bad.stderr
    broken = migrated(
        "hooks",
        "create",
        "shop",
        "bad",
        "--kind",
        "rule",
        "--config",
        json.dumps({"condition": "user.", "actions": [{"type": "require_mfa"}]}),
        code=1,
    )
    assert "error invalid_expression" in broken.stderr and "position: 5" in broken.stderr
    migrated("hooks", "delete", "shop", "mfa-acme")
    assert [hook["name"] for hook in migrated.json("hooks", "list", "shop")["items"]] == ["risk"]
