"""Onboarding end to end on SQLite and PostgreSQL (SPEC L1, L3, L4): records, outputs, drift, audit."""

from __future__ import annotations

import pytest

from tenantry.bootstrap import Runtime
from tenantry.core.errors import Conflict, Forbidden, InvalidInput
from tenantry.core.onboarding import ONBOARDING_STEPS
from tenantry.services.access import Actor, system_actor

REASON = "new contract #42"


def spec(slug: str, **extra: object) -> dict[str, object]:
    return {"name": slug.title(), "slug": slug, **extra}


async def test_l3_isolated_org_on_dedicated_plane(runtime: Runtime, operator: Actor) -> None:
    customers = runtime.customers
    customer = await customers.onboard(operator, spec("acme", tier="dedicated", region="eu-west-1"), reason=REASON)
    assert customer.status == "active" and customer.activated_at is not None
    assert customer.pattern == "isolated-org" and customer.connection_ids
    async with runtime.ports.control.transaction() as tx:
        plane = await tx.planes.get(customer.data_plane_id or "")
        realm = await tx.realms.get(customer.realm_id or "")
        org = await tx.organizations(customer.realm_id or "").get(customer.organization_id or "")
    assert plane is not None and plane.name == "cus-acme" and plane.tier == "dedicated"
    assert realm is not None and realm.name == runtime.settings.customer_realm
    assert org is not None and org.isolated and org.data_plane_id == plane.id
    async with runtime.ports.planes.transaction(plane, realm.id) as data:
        items = await data.content.for_organization(org.id)
    assert [i.key for i in items] == ["getting-started", "security", "welcome"]
    steps = await customers.steps(operator, "acme")
    assert [s.step for s in steps] == list(ONBOARDING_STEPS)
    assert all(s.status == "succeeded" and s.attempt == 1 and s.inputs_hash and s.finished_at for s in steps)
    trail = await customers.trail(operator, "acme")
    transitions = [(e.action, e.details.get("step")) for e in trail if e.action.startswith("customer.step.")]
    for name in ONBOARDING_STEPS:
        assert ("customer.step.running", name) in transitions and ("customer.step.succeeded", name) in transitions
    assert all(e.details.get("reason") == REASON for e in trail if "reason" in e.details)


async def test_l4_same_inputs_return_outputs_and_changed_inputs_are_drift(runtime: Runtime, operator: Actor) -> None:
    customers = runtime.customers
    first = await customers.onboard(operator, spec("globex"), reason=REASON)
    again = await customers.onboard(operator, spec("globex"), reason="asked twice")
    assert again.id == first.id
    assert all(s.attempt == 1 for s in await customers.steps(operator, "globex"))
    with pytest.raises(Conflict) as drift:
        await customers.onboard(operator, spec("globex", tier="dedicated"), reason=REASON)
    assert drift.value.code == "step_drift"


async def test_l3_pattern_b_gets_its_own_realm_with_keys(runtime: Runtime, operator: Actor) -> None:
    customer = await runtime.customers.onboard(
        operator,
        spec("initech", tier="dedicated", pattern="realm", custom_domain="login.initech.example.com"),
        reason=REASON,
    )
    async with runtime.ports.control.transaction() as tx:
        realm = await tx.realms.get(customer.realm_id or "")
        keys = await tx.signing_keys(customer.realm_id or "").all()
        org = await tx.organizations(customer.realm_id or "").get(customer.organization_id or "")
    assert realm is not None and realm.name == "initech" and realm.custom_domain == "login.initech.example.com"
    assert realm.home_plane_id == customer.data_plane_id
    assert {k.alg for k in keys} == {"ES256", "RS256"}
    assert org is not None and org.metadata == {"customer": "initech"}


async def test_l1_raw_secret_in_a_ref_is_refused_and_nothing_is_written(runtime: Runtime, operator: Actor) -> None:
    raw = "postgresql://app:s3cret-pass@db.internal:5432/acme"
    with pytest.raises(InvalidInput) as refused:
        await runtime.customers.onboard(operator, spec("leaky", data_plane_ref=raw), reason=REASON)
    assert refused.value.code == "raw_secret" and raw not in str(refused.value.details)
    page = await runtime.customers.list(operator, _page())
    assert page.items == []


async def test_l8_reason_and_role_are_required(runtime: Runtime) -> None:
    support = Actor(kind="operator", name="support", scopes=frozenset({"control:support"}))
    with pytest.raises(Forbidden):
        await runtime.customers.onboard(support, spec("hooli"), reason=REASON)
    with pytest.raises(InvalidInput) as missing:
        await runtime.customers.onboard(system_actor("test"), spec("hooli"), reason="  ")
    assert missing.value.code == "reason_required"


def _page():  # type: ignore[no-untyped-def]
    from tenantry.ports.paging import PageRequest

    return PageRequest()
