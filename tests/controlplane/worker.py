"""Run ``tenantry`` commands in worker processes against a test deployment, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from tenantry.config import Settings

COMMAND = [sys.executable, "-c", "from tenantry.cli.main import app; app()"]


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_")}
    env.update(
        {
            "TENANTRY_DATA_DIR": str(settings.data_dir),
            "TENANTRY_ARGON2_TIME_COST": "1",
            "TENANTRY_ARGON2_MEMORY_KIB": "1024",
            "TENANTRY_ONBOARDING_LEASE_SECONDS": str(settings.onboarding_lease_seconds),
            "COLUMNS": "200",
        }
    )
    if settings.database_url:
        env["TENANTRY_DATABASE_URL"] = settings.database_url
    if settings.provisioner:
        env["TENANTRY_PROVISIONER"] = settings.provisioner
    if settings.provisioner_command:
        env["TENANTRY_PROVISIONER_COMMAND"] = settings.provisioner_command
    env.update(extra)
    return env


@dataclass(slots=True)
class Outcome:
    code: int
    out: str
    err: str


def tenantry(settings: Settings, *args: str, **extra: str) -> Outcome:
    done = subprocess.run(
        [*COMMAND, *args], env=environment(settings, **extra), capture_output=True, text=True, timeout=300
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def start(settings: Settings, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *args],
        env=environment(settings, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def onboard_args(slug: str, *more: str) -> list[str]:
    return ["customer", "onboard", "--name", slug.title(), "--slug", slug, "--reason", "fault drill", *more]
