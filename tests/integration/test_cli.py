"""The `tenantry` command, run in-process against a fresh deployment on each backend.

The tests are synchronous on purpose: every command runs its own event loop (asyncio.run), which
cannot start inside a running one.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import Result
from typer.testing import CliRunner

from tenantry.bootstrap import Runtime
from tenantry.cli.main import app
from tenantry.config import Settings
from tenantry.core.errors import Unauthenticated
from tenantry.ports.paging import PageRequest
from tenantry.services.access import system_actor
from tenantry.storage.schema_versions import data_head
from tests.support import databases

OPERATOR_TOKEN = re.compile(r"tnt_op_[A-Za-z0-9_-]{20,}")


@dataclass
class Cli:
    """Runs `tenantry ...` with the deployment's environment; checks the exit code."""

    runner: CliRunner
    env: dict[str, str | None]
    settings: Settings

    def __call__(self, *args: str, code: int = 0, input: str | None = None, **env: str) -> Result:
        result = self.runner.invoke(app, list(args), env={**self.env, **env}, input=input)
        if result.exit_code != code:
            raise AssertionError(
                f"tenantry {' '.join(args)} exited {result.exit_code}, expected {code}:\n{result.output}",
            ) from result.exception
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)

    def runtime_call(self, work: Any) -> Any:
        """Run ``work(runtime)`` on a runtime of its own, as a second process would."""

        async def main() -> Any:
            runtime = Runtime(self.settings)
            try:
                return await work(runtime)
            finally:
                await runtime.close()

        return asyncio.run(main())


@pytest.fixture
def cli(backend: str, tmp_path: Path) -> Iterator[Cli]:
    settings, prefix = databases.test_settings(backend, tmp_path)
    env: dict[str, str | None] = {
        "TENANTRY_DATA_DIR": str(tmp_path),
        "TENANTRY_DATABASE_URL": settings.database_url,
        "TENANTRY_ARGON2_TIME_COST": "1",
        "TENANTRY_ARGON2_MEMORY_KIB": "1024",
        "TENANTRY_DOMAIN_RECHECK_SECONDS": "0",
        "TENANTRY_BASE_URL": None,
        "TENANTRY_PLANE_SERVERS": None,
        "COLUMNS": "250",
    }
    try:
        yield Cli(CliRunner(), env, settings)
    finally:
        if prefix:
            databases._drop_databases(prefix)


@pytest.fixture
def migrated(cli: Cli) -> Cli:
    cli("migrate")
    return cli


def total_audit_events(cli: Cli) -> int:
    checks = cli.runtime_call(lambda runtime: runtime.services.audit.verify())
    return sum(check.events for check in checks)


def test_l10_migrate_upgrades_every_plane_and_lists_pinned_ones(cli):
    first = cli.json("migrate")["items"]
    assert [(row["plane"], row["before"], row["skipped"]) for row in first] == [
        ("(control plane)", None, None),
        ("shared", None, None),
    ]
    assert first[1]["after"] == data_head()

    cli("planes", "create", "eu", "--tier", "dedicated", "--region", "eu-west-1")
    cli("planes", "pin", "eu", data_head())
    pinned = {row["plane"]: row for row in cli.json("migrate")["items"]}
    assert pinned["eu"]["skipped"] == f"pinned at {data_head()}"
    assert pinned["shared"]["skipped"] is None
    assert "skipped: pinned" in cli("migrate").stdout

    cli("planes", "unpin", "eu")
    planes = {plane["name"]: plane for plane in cli.json("planes", "list")["items"]}
    assert planes["eu"]["tier"] == "dedicated" and planes["eu"]["version_pin"] is None
    assert {row["plane"]: row["skipped"] for row in cli.json("migrate")["items"]}["eu"] is None


def _logins(output: str) -> list[str]:
    return re.findall(r"\S+@example\.com {2}\S+", output)


def test_demo_seed_is_idempotent_and_prints_the_same_logins(cli):
    first = cli("demo", "seed").stdout
    assert "created realm demo" in first
    events = total_audit_events(cli)

    second = cli("demo", "seed").stdout
    assert "nothing new" in second
    assert total_audit_events(cli) == events
    assert (
        _logins(first)
        == _logins(second)
        == [
            "alice@example.com  alice-demo-password",
            "bob@example.com  bob-demo-password",
            "carol@example.com  carol-demo-password",
            "riley@example.com  riley-demo-password",
            "sam@example.com  sam-demo-password",
        ]
    )
    token = OPERATOR_TOKEN.findall(first)
    assert token and token == OPERATOR_TOKEN.findall(second)
    assert 'curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/v1/realms' in second
    for url in ("/healthz", "/readyz", "/api/v1/openapi.json"):
        assert f"http://127.0.0.1:8000{url}" in second
    secret = re.search(r"client_secret:\s+(\S+)", first)
    assert secret and secret.group(1) in second

    actor = cli.runtime_call(lambda runtime: runtime.services.admin_tokens.authenticate(token[0]))
    assert actor.kind == "operator"
    for name in ("demo-rp.json", "demo-operator.json"):
        assert stat.S_IMODE((cli.settings.data_dir / name).stat().st_mode) == 0o600


def test_demo_seed_builds_the_promised_shape(cli):
    cli("demo", "seed")
    orgs = {org["name"]: org for org in cli.json("orgs", "list", "demo")["items"]}
    assert {name: org["isolated"] for name, org in orgs.items()} == {"acme": False, "globex": False, "initech": True}
    users = {user["email"]: user["id"] for user in cli.json("users", "list", "demo")["items"]}
    acme = {m["user_id"]: m["roles"] for m in cli.json("members", "list", "demo", "acme")["items"]}
    assert acme == {users["alice@example.com"]: ["admin"], users["bob@example.com"]: ["member"]}
    carol = cli.json("users", "list", "demo", "--connection", "org-initech", "--email", "carol@example.com")
    assert [m["user_id"] for m in cli.json("members", "list", "demo", "initech")["items"]] == [carol["items"][0]["id"]]
    (demo_rp,) = cli.json("apps", "list", "demo")["items"]
    assert demo_rp["redirect_uris"] == ["http://127.0.0.1:8000/demo/callback"]
    assert (demo_rp["organization_usage"], demo_rp["organization_prompt"]) == ("allow", "after_login")
    assert "client_secret_hash" not in demo_rp


def test_realm_organization_user_and_member_commands(migrated):
    cli = migrated
    cli("realms", "create", "shop", "--display-name", "Shop")
    assert cli.json("realms", "show", "shop")["display_name"] == "Shop"
    cli("connections", "create", "shop", "db", "--min-length", "10")
    assert [c["name"] for c in cli.json("connections", "list", "shop")["items"]] == ["db"]
    weak = cli(
        "users", "create", "shop", "--connection", "db", "--email", "a@example.com", "--password", "short", code=1
    )
    assert "error weak_password" in weak.output and "too_short" in weak.output
    alice = cli.json(
        "users",
        "create",
        "shop",
        "--connection",
        "db",
        "--email",
        "alice@example.com",
        "--password",
        "a-long-password-1",
    )["id"]
    prompted = cli(
        "users",
        "create",
        "shop",
        "--connection",
        "db",
        "--email",
        "bob@example.com",
        input="a-long-password-2\na-long-password-2\n",
    )
    assert "a-long-password-2" not in prompted.stdout
    (bob,) = [u["id"] for u in cli.json("users", "list", "shop", "--email", "bob@example.com")["items"]]

    cli("orgs", "create", "shop", "north", "--display-name", "North")
    cli("roles", "create", "shop", "admin", "--permission", "orders:write")
    cli("roles", "create", "shop", "viewer")
    cli("members", "add", "shop", "north", alice, "--role", "admin")
    cli("members", "add", "shop", "north", bob)
    cli("members", "roles", "shop", "north", bob, "--role", "viewer", "--role", "admin")
    roles = {m["user_id"]: m["roles"] for m in cli.json("members", "list", "shop", "north")["items"]}
    assert roles == {alice: ["admin"], bob: ["admin", "viewer"]}
    assert "error unknown_role" in cli("members", "add", "shop", "north", alice, "--role", "nope", code=1).output

    cli("users", "block", "shop", bob)
    assert cli.json("users", "show", "shop", bob)["blocked"] is True
    cli("users", "unblock", "shop", bob)
    cli("members", "remove", "shop", "north", bob)
    assert [m["user_id"] for m in cli.json("members", "list", "shop", "north")["items"]] == [alice]
    cli("users", "delete", "shop", bob)
    assert "error user_not_found" in cli("users", "show", "shop", bob, code=1).output

    report = cli.json("orgs", "delete", "shop", "north", "--dry-run")
    assert (report["memberships"], report["deleted"]) == (1, False)
    cli("orgs", "delete", "shop", "north", "--yes")
    assert "error organization_not_found" in cli("orgs", "show", "shop", "north", code=1).output

    cli("realms", "delete", "shop", input="n\n", code=1)
    cli("realms", "delete", "shop", "--yes")
    assert "error realm_not_found: no such realm" in cli("realms", "show", "shop", code=1).output


def test_connection_signup_switch(migrated):
    cli = migrated
    cli("realms", "create", "shop")
    assert cli.json("connections", "create", "shop", "open", "--signup")["options"]["signup_enabled"] is True
    assert cli.json("connections", "create", "shop", "closed")["options"]["signup_enabled"] is False
    assert cli.json("connections", "update", "shop", "open", "--no-signup")["options"]["signup_enabled"] is False
    cli("connections", "update", "shop", "closed", "--signup")
    listed = {c["name"]: c["options"]["signup_enabled"] for c in cli.json("connections", "list", "shop")["items"]}
    assert listed == {"open": False, "closed": True}
    assert "sign-up" in cli("connections", "list", "shop").stdout
    cli("connections", "update", "shop", "closed", code=2)


def test_c3_isolate_refusal_lists_every_blocking_user(migrated):
    cli = migrated
    cli("realms", "create", "r")
    cli("connections", "create", "r", "db")
    users = [
        cli.json(
            "users",
            "create",
            "r",
            "--connection",
            "db",
            "--email",
            f"{name}@example.com",
            "--password",
            f"{name}-long-password",
        )["id"]
        for name in ("ann", "ben", "cat")
    ]
    for org in ("a", "b", "c"):
        cli("orgs", "create", "r", org)
    cli("members", "add", "r", "a", users[0])
    cli("members", "add", "r", "a", users[1])
    cli("members", "add", "r", "b", users[0])
    cli("members", "add", "r", "b", users[1])
    cli("members", "add", "r", "c", users[2])

    refused = cli("orgs", "isolate", "r", "a", code=1)
    assert "error isolation_blocked" in refused.stderr
    assert users[0] in refused.stderr and users[1] in refused.stderr
    assert cli.json("orgs", "show", "r", "a")["isolated"] is False

    cli("orgs", "isolate", "r", "c")
    assert cli.json("orgs", "show", "r", "c")["isolated"] is True
    assert "error isolated_member" in cli("members", "add", "r", "a", users[2], code=1).output


def test_operator_token_create_prints_a_token_the_admin_api_accepts(migrated):
    cli = migrated
    output = cli("operator", "token", "create", "--name", "ops").stdout
    (token,) = OPERATOR_TOKEN.findall(output)
    actor = cli.runtime_call(lambda runtime: runtime.services.admin_tokens.authenticate(token))
    assert actor.kind == "operator"

    (listed,) = cli.json("tokens", "list")["items"]
    assert listed["name"] == "ops" and "token_hash" not in listed
    cli("tokens", "revoke", listed["id"])
    with pytest.raises(Unauthenticated):
        cli.runtime_call(lambda runtime: runtime.services.admin_tokens.authenticate(token))


def test_scoped_tokens_domains_and_applications(migrated):
    cli = migrated
    cli("realms", "create", "r")
    cli("orgs", "create", "r", "acme")
    minted = cli.json("tokens", "create", "--kind", "org_admin", "--realm", "r", "--org", "acme", "--name", "acme")
    assert minted["secret"].startswith("tnt_oa_") and minted["token"]["kind"] == "org_admin"
    claim = cli("domains", "claim", "r", "acme", "acme-corp.com", "--auto-join").stdout
    assert "_tenantry.acme-corp.com" in claim and "tenantry-verification=" in claim
    (listed,) = cli.json("domains", "list", "r", "acme")["items"]
    assert listed["status"] == "pending" and listed["auto_join"] is True
    assert "error consumer_domain" in cli("domains", "claim", "r", "acme", "gmail.com", code=1).output

    created = cli(
        "apps",
        "create",
        "r",
        "web",
        "--redirect-uri",
        "http://localhost:3000/cb",
        "--org-usage",
        "require",
        "--org-prompt",
        "before_login",
    ).stdout
    assert re.search(r"client_secret: \S{40,}", created)
    public = cli.json("apps", "create", "r", "spa", "--redirect-uri", "http://localhost:3000/cb", "--public")
    assert public["client_secret"] is None
    assert (
        "error invalid_redirect_uri"
        in cli("apps", "create", "r", "bad", "--redirect-uri", "http://evil.com/cb", code=1).output
    )
    assert sorted(a["name"] for a in cli.json("apps", "list", "r")["items"]) == ["spa", "web"]


def _tamper(settings: Settings) -> None:
    """Edit one audit event behind the log's back, as someone with database access could."""
    sql = "UPDATE audit_events SET action = 'realm.renamed' WHERE stream LIKE 'realm:%' AND seq = 2"
    if settings.database_url:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(sql)
    else:
        with sqlite3.connect(settings.data_dir / "control.db") as conn:
            conn.execute(sql)


def test_l9_audit_verify_names_the_first_broken_link(migrated):
    cli = migrated
    realm = cli.json("realms", "create", "r")["id"]
    cli("orgs", "create", "r", "acme")
    cli("orgs", "create", "r", "globex")
    ok = cli("audit", "verify")
    assert re.search(rf"realm:{realm}\s.*\s3\s.*OK", ok.stdout)
    events = cli.json("audit", "list", "r")["items"]
    assert [e["action"] for e in events] == ["realm.created", "organization.created", "organization.created"]

    _tamper(cli.settings)
    broken = cli("audit", "verify", code=1)
    assert f"stream realm:{realm} broken at seq 2 (event {events[1]['id']})" in broken.stderr
    assert "error audit_chain_broken" in broken.stderr
    assert "platform" in broken.stdout
    cli("audit", "verify", "--stream", "platform")
    report = json.loads(cli("audit", "verify", "--json", code=1).stdout)
    assert {"seq": 2, "event_id": events[1]["id"]} in [s["broken_at"] for s in report["streams"]]


def test_settings_print_masked_values_and_the_readme_table(cli):
    table = cli("settings", "--markdown").stdout
    assert "| `data_dir` | `TENANTRY_DATA_DIR` | `.tenantry` |" in table
    assert table.count("\n| `") == len(Settings.model_fields)
    shown = cli(
        "settings",
        TENANTRY_DATABASE_URL="postgresql://app:pw-1@db:5432/tenantry",
        TENANTRY_PLANE_SERVERS='{"eu": "postgresql://eu:pw-2@eu-db/"}',
    ).stdout
    assert "pw-1" not in shown and "pw-2" not in shown
    assert "postgresql://app:********@db:5432/tenantry" in shown and "eu:********@eu-db" in shown


def test_an_unmigrated_deployment_asks_for_migrate(cli):
    failed = cli("realms", "list", code=1)
    assert "tenantry migrate" in failed.stderr


NO_BRANDING = {"display_name": None, "logo_url": None, "primary_color": None}


def test_realm_branding_changes_only_the_fields_named(migrated: Cli):
    migrated("realms", "create", "shop")
    migrated("realms", "create", "other")
    assert migrated.json("realms", "branding", "shop") == NO_BRANDING
    logo = "https://cdn.shop.example/logo.png"
    set_once = migrated.json("realms", "branding", "shop", "--display-name", "Shop", "--logo-url", logo)
    assert set_once == {"display_name": "Shop", "logo_url": logo, "primary_color": None}
    recoloured = migrated.json("realms", "branding", "shop", "--primary-color", "#A1B2C3")
    assert recoloured == {"display_name": "Shop", "logo_url": logo, "primary_color": "#a1b2c3"}
    assert migrated.json("realms", "show", "shop")["settings"]["branding"] == recoloured
    assert migrated.json("realms", "branding", "shop", "--unset", "logo_url")["logo_url"] is None
    assert migrated.json("realms", "branding", "other") == NO_BRANDING, "A5: another realm is untouched"
    assert "Shop" in migrated("realms", "branding", "shop").stdout


def test_organization_branding_and_refusals(migrated: Cli):
    migrated("realms", "create", "shop")
    migrated("orgs", "create", "shop", "north")
    colour = migrated.json("orgs", "branding", "shop", "north", "--primary-color", "#010203")
    assert colour == {**NO_BRANDING, "primary_color": "#010203"}
    assert migrated.json("orgs", "show", "shop", "north")["branding"] == {"primary_color": "#010203"}

    bad = migrated("orgs", "branding", "shop", "north", "--logo-url", "http://cdn.example.com/x.png", code=1)
    assert "error invalid_request" in bad.output and "logo_url" in bad.output
    assert "error invalid_request" in migrated("realms", "branding", "shop", "--primary-color", "red", code=1).output
    assert "error invalid_request" in migrated("orgs", "branding", "shop", "north", "--unset", "logo", code=1).output
    assert migrated.json("orgs", "branding", "shop", "north") == colour
    assert migrated.json("realms", "branding", "shop") == NO_BRANDING


def test_d8_policy_commands_change_only_the_fields_named_and_refuse_a_looser_organization(migrated):
    cli = migrated
    cli("realms", "create", "north")
    cli("orgs", "create", "north", "acme")
    realm = cli.json("realms", "policy", "north", "--allowed-factor", "totp", "--allowed-factor", "webauthn")
    assert realm == {"allowed_factors": ["totp", "webauthn"]}
    org = cli.json("orgs", "policy", "north", "acme", "--mfa-required", "--ip-allow", "10.1.2.3/16")
    assert org == {"mfa_required": True, "ip_allowlist": ["10.1.0.0/16"]}
    org = cli.json("orgs", "policy", "north", "acme", "--sso-only", "--unset", "ip_allowlist")
    assert org == {"mfa_required": True, "sso_only_for_verified_domains": True}
    looser = cli("orgs", "policy", "north", "acme", "--allowed-factor", "recovery_code", code=1)
    assert "policy_not_stricter" in looser.output
    bad = cli("orgs", "policy", "north", "acme", "--ip-allow", "not-a-cidr", code=1)
    assert "invalid_request" in bad.output
    shown = cli.json("orgs", "show", "north", "acme")["policy"]
    assert {key: value for key, value in shown.items() if value is not None} == org


def test_s9_users_reset_factors_is_audited_and_no_command_sets_a_password(migrated):
    cli = migrated
    cli("realms", "create", "north")
    cli("connections", "create", "north", "members")
    user = cli.json(
        "users",
        "create",
        "north",
        "--connection",
        "members",
        "--email",
        "ann@example.com",
        "--password",
        "a long passphrase",
    )
    assert cli.json("users", "factors", "north", user["id"])["items"] == []
    assert "0 factor(s)" in cli("users", "reset-factors", "north", user["id"], "--yes").stdout
    events = cli.runtime_call(
        lambda runtime: runtime.services.audit.list(
            system_actor("test"), "north", PageRequest(limit=50), action="user.factors_reset"
        )
    )
    assert [event.target_id for event in events.items] == [user["id"]]
    assert "set-password" not in cli("users", "--help").stdout
