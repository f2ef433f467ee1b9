"""The ``command`` provisioner (SPEC L5) with a small IaC command, and offboarding (L6)."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tenantry.bootstrap import Runtime
from tenantry.core.errors import InvalidInput
from tenantry.services.access import system_actor
from tests.support.databases import deployment

STACK = Path(__file__).with_name("iac_stack.py")
REASON = "drill"


@pytest.fixture
async def iac(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("IAC_STATE_DIR", str(tmp_path / "stacks"))
    command = f"{sys.executable} {STACK}"
    async with deployment(backend, tmp_path, provisioner="command", provisioner_command=command) as runtime:
        yield runtime


async def test_l5_command_provisioner_runs_the_stack_and_keeps_its_outputs(iac: Runtime, tmp_path: Path) -> None:
    operator = system_actor("test")
    spec = {"name": "Umbrella", "slug": "umbrella", "tier": "dedicated", "region": "eu-west-1"}
    customer = await iac.customers.onboard(operator, spec, reason=REASON)
    assert customer.stack_name == "tenantry-umbrella"
    assert customer.data_plane_ref == "vault:secret/tenantry/umbrella/dsn"
    assert customer.endpoint == "https://umbrella.eu-west-1.example.com"
    state = json.loads((tmp_path / "stacks" / "cus-umbrella.json").read_text())
    assert state == {"customer": "umbrella", "region": "eu-west-1", "applies": 1}
    trail = await iac.customers.trail(operator, "umbrella")
    bound = next(e for e in trail if e.action == "customer.bound")
    assert bound.details["data_plane_ref"] == "[redacted]"

    await iac.customers.offboard(operator, "umbrella", reason=REASON)
    assert not (tmp_path / "stacks" / "cus-umbrella.json").exists()


async def test_l1_a_stack_answering_with_a_raw_secret_is_refused(iac: Runtime, monkeypatch) -> None:
    monkeypatch.setenv("IAC_LEAK", "1")
    spec = {"name": "Leaky", "slug": "leaky", "tier": "dedicated"}
    with pytest.raises(InvalidInput) as refused:
        await iac.customers.onboard(system_actor("test"), spec, reason=REASON)
    assert refused.value.code == "raw_secret"
    steps = {s.step: s for s in await iac.customers.steps(system_actor("test"), "leaky")}
    assert steps["provision_plane"].status == "failed" and "hunter2" not in (steps["provision_plane"].error or "")


async def test_l6_offboarding_exports_revokes_drops_and_is_idempotent(runtime: Runtime) -> None:
    operator = system_actor("test")
    customer = await runtime.customers.onboard(
        operator, {"name": "Soylent", "slug": "soylent", "tier": "dedicated"}, reason=REASON
    )
    user = await runtime.services.users.create(
        operator,
        runtime.settings.customer_realm,
        email="eve@example.com",
        password="a long passphrase",
        connection="org-soylent",
    )
    done = await runtime.customers.offboard(operator, "soylent", reason="contract ended")
    assert done.status == "offboarded"
    export = json.loads((runtime.settings.data_dir / "exports" / "soylent.json").read_text())
    assert [u["id"] for u in export["users"]] == [user.id] and len(export["content"]) == 3
    async with runtime.ports.control.transaction() as tx:
        assert await tx.planes.get(customer.data_plane_id or "") is None
        assert await tx.organizations(customer.realm_id or "").get(customer.organization_id or "") is None
    if runtime.settings.database_url is None:
        assert not list((runtime.settings.data_dir / "planes").glob("*soylent*"))
    again = await runtime.customers.offboard(operator, "soylent", reason="asked twice")
    assert again.status == "offboarded"
    assert json.loads((runtime.settings.data_dir / "exports" / "soylent.json").read_text()) == export
