"""Membership rules under concurrent admin requests: the cap (B3) and isolation (C1, C3/C4) must hold when
two requests race, not only when they arrive one after the other. Each test repeats the race a few times."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.api_helpers import (
    add_member,
    make_connection,
    make_org,
    make_realm,
    make_user,
    members,
    ok,
    org_path,
    realm_path,
)

TRIALS = 10


@pytest.fixture
async def demo(api):
    await make_realm(api, "demo")
    await make_connection(api, "demo")
    return api


async def memberships_of(api, user_id: str, orgs: list[str]) -> list[str]:
    return [org for org in orgs if user_id in await members(api, "demo", org)]


async def test_b3_cap_holds_under_concurrent_adds(demo):
    ok(await demo.patch(realm_path("demo"), json={"settings": {"max_orgs_per_user": 1}}))
    orgs = [f"org{i}" for i in range(4)]
    for org in orgs:
        await make_org(demo, "demo", org)
    outcomes = []
    for trial in range(TRIALS):
        user_id = (await make_user(demo, "demo", f"user{trial}@example.com"))["id"]
        answers = await asyncio.gather(*(add_member(demo, "demo", org, user_id) for org in orgs))
        statuses = sorted(answer.status_code for answer in answers)
        outcomes.append((statuses, len(await memberships_of(demo, user_id, orgs))))
    assert all(held == 1 and statuses.count(201) == 1 for statuses, held in outcomes), outcomes


async def test_c1_concurrent_adds_to_an_isolated_and_a_standard_org_admit_one(demo):
    await make_org(demo, "demo", "iso", isolated=True)
    await make_org(demo, "demo", "std")
    outcomes = []
    for trial in range(TRIALS):
        user_id = (await make_user(demo, "demo", f"user{trial}@example.com"))["id"]
        answers = await asyncio.gather(*(add_member(demo, "demo", org, user_id) for org in ("iso", "std")))
        outcomes.append(([a.status_code for a in answers], await memberships_of(demo, user_id, ["iso", "std"])))
    assert all(len(held) == 1 and statuses.count(201) == 1 for statuses, held in outcomes), outcomes


async def test_c3_c4_isolating_while_a_member_joins_elsewhere_never_leaves_a_shared_member(demo):
    await make_org(demo, "demo", "other")
    outcomes = []
    for trial in range(TRIALS):
        org = f"team{trial}"
        await make_org(demo, "demo", org)
        user_id = (await make_user(demo, "demo", f"user{trial}@example.com"))["id"]
        ok(await add_member(demo, "demo", org, user_id), 201)
        isolate, join = await asyncio.gather(
            demo.post(f"{org_path('demo', org)}/isolate"), add_member(demo, "demo", "other", user_id)
        )
        isolated = ok(await demo.get(org_path("demo", org)))["isolated"]
        shared = user_id in await members(demo, "demo", "other")
        outcomes.append((isolate.status_code, join.status_code, isolated, shared))
    assert not any(isolated and shared for *_, isolated, shared in outcomes), outcomes
