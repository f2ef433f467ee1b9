"""`tenantry keys list|rotate|revoke` in-process on each backend, with the master key from the environment."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from tenantry.cli.main import app
from tests.support import databases

MASTER_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


class Cli:
    def __init__(self, env: dict[str, str | None]):
        self.runner = CliRunner()
        self.env = env

    def __call__(self, *args: str, code: int = 0, input: str | None = None) -> Result:
        result = self.runner.invoke(app, list(args), env=self.env, input=input)
        assert result.exit_code == code, f"tenantry {' '.join(args)} exited {result.exit_code}:\n{result.output}"
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli(backend: str, tmp_path: Path) -> Iterator[Cli]:
    settings, prefix = databases.test_settings(backend, tmp_path)
    env: dict[str, str | None] = {
        "TENANTRY_DATA_DIR": str(tmp_path),
        "TENANTRY_DATABASE_URL": settings.database_url,
        "TENANTRY_MASTER_KEY": MASTER_KEY,
        "TENANTRY_KEY_PUBLISH_SECONDS": "3600",
        "TENANTRY_KEY_RETIRE_SECONDS": None,
        "TENANTRY_ARGON2_TIME_COST": "1",
        "TENANTRY_ARGON2_MEMORY_KIB": "1024",
        "TENANTRY_DOMAIN_RECHECK_SECONDS": "0",
        "TENANTRY_BASE_URL": None,
        "TENANTRY_PLANE_SERVERS": None,
        "COLUMNS": "250",
    }
    try:
        tool = Cli(env)
        tool("migrate")
        yield tool
    finally:
        if prefix:
            databases._drop_databases(prefix)


def test_keys_list_rotate_and_revoke(cli, tmp_path):
    cli("realms", "create", "shop")
    first = cli.json("keys", "list", "shop")["items"]
    assert sorted((key["alg"], key["status"]) for key in first) == [("ES256", "active"), ("RS256", "active")]
    assert all("private_pem" not in key and "d" not in key["public_jwk"] for key in first)

    rotated = cli.json("keys", "rotate", "shop", "--alg", "RS256")
    assert (rotated["alg"], rotated["status"]) == ("RS256", "next") and "private_pem" not in rotated
    pending = cli("keys", "rotate", "shop", "--alg", "RS256", code=1)
    assert "error rotation_pending" in pending.stderr
    assert "published" in cli("keys", "rotate", "shop").stdout  # ES256 by default

    es256 = next(key["kid"] for key in first if key["alg"] == "ES256")
    aborted = cli("keys", "revoke", "shop", es256, input="n\n", code=1)
    assert "aborted" in aborted.output
    assert f"key {es256} (ES256) revoked" in cli("keys", "revoke", "shop", es256, "--yes").stdout
    statuses = {key["kid"]: key["status"] for key in cli.json("keys", "list", "shop")["items"]}
    assert statuses[es256] == "revoked" and sorted(statuses.values()).count("active") == 2

    table = cli("keys", "list", "shop").stdout
    assert es256 in table and "revoked" in table and "PRIVATE" not in table
    missing = cli("keys", "revoke", "shop", "key_01m7zvn824e40twjev4zxr7j3a", "--yes", code=1)
    assert "error signing_key_not_found" in missing.stderr
    assert not (tmp_path / "master.key").exists()  # the key came from TENANTRY_MASTER_KEY


def test_settings_show_key_timings_and_mask_the_master_key(cli):
    shown = cli.json("settings")
    assert (shown["key_publish_seconds"], shown["key_retire_seconds"]) == (3600, 86_400)
    assert shown["master_key"] == "********" and MASTER_KEY not in json.dumps(shown)


def test_passwords_calibrate_suggests_settings():
    from typer.testing import CliRunner

    from tenantry.cli.main import app

    result = CliRunner().invoke(app, ["passwords", "calibrate", "--target-ms", "5"])
    assert result.exit_code == 0, result.output
    assert "TENANTRY_ARGON2_TIME_COST=" in result.output and "TENANTRY_ARGON2_MEMORY_KIB=19456" in result.output
