"""The layering of DESIGN.md section 5, ruff and mypy, checked as part of the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_import_layers_hold():
    """import-linter contracts in pyproject.toml: layers, storage isolation, no framework in domain code."""
    result = _run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_clean():
    result = _run(str(BIN / "ruff"), "check", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_clean():
    result = _run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_package_is_under_a_contract():
    """A new package must join the layers, and domain packages the framework-free contract."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = " ".join(config[0]["layers"])
    free = set(config[2]["source_modules"])
    packages = sorted(p.name for p in (ROOT / "src" / "tenantry").iterdir() if (p / "__init__.py").exists())
    for name in packages:
        assert f"tenantry.{name}" in layers, name
    for name in packages:
        if name not in {"cli", "web", "storage", "adapters"}:
            assert f"tenantry.{name}" in free, name
