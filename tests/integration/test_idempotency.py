"""``Idempotency-Key`` on admin writes (DESIGN.md section 8; HOSTILE 69 for the admin API)."""

from __future__ import annotations

import asyncio

from tests.support.api import bearer

ORGS = "/api/v1/realms/demo/organizations"


async def _setup(api) -> None:
    assert (await api.post("/api/v1/realms", json={"name": "demo"})).status_code == 201


async def _names(api) -> list[str]:
    return [item["name"] for item in (await api.get(ORGS)).json()["items"]]


async def _audit_count(api) -> int:
    return len((await api.get("/api/v1/realms/demo/audit", params={"limit": 200})).json()["items"])


async def test_a_retry_with_the_same_key_gets_the_first_answer_and_writes_once(api):
    await _setup(api)
    headers = {"Idempotency-Key": "create-acme-1"}
    first = await api.post(ORGS, json={"name": "acme"}, headers=headers)
    audit = await _audit_count(api)
    second = await api.post(ORGS, json={"name": "acme"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await _names(api) == ["acme"]
    assert await _audit_count(api) == audit


async def test_the_same_key_with_another_request_is_refused_and_changes_nothing(api):
    await _setup(api)
    headers = {"Idempotency-Key": "k-2"}
    assert (await api.post(ORGS, json={"name": "acme"}, headers=headers)).status_code == 201
    audit = await _audit_count(api)
    reused = await api.post(ORGS, json={"name": "globex"}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["error"] == "idempotency_key_reused"
    assert await _names(api) == ["acme"]
    assert await _audit_count(api) == audit


async def test_concurrent_requests_with_one_key_create_one_organization(api):
    await _setup(api)
    headers = {"Idempotency-Key": "race"}
    answers = await asyncio.gather(*(api.post(ORGS, json={"name": "acme"}, headers=headers) for _ in range(5)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert all(a.json()["error"] == "idempotency_key_in_progress" for a in answers if a.status_code == 409)
    assert await _names(api) == ["acme"]


async def test_a_refusal_is_replayed_too(api):
    await _setup(api)
    headers = {"Idempotency-Key": "bad-name"}
    first = await api.post(ORGS, json={"name": "Not Valid"}, headers=headers)
    second = await api.post(ORGS, json={"name": "Not Valid"}, headers=headers)
    assert first.status_code == second.status_code == 400
    assert first.json() == second.json()


async def test_keys_belong_to_the_credential_that_sent_them(api):
    await _setup(api)
    token = (await api.post("/api/v1/tokens", json={"name": "ra", "kind": "realm_admin", "realm": "demo"})).json()
    headers = {"Idempotency-Key": "shared-key"}
    assert (await api.post(ORGS, json={"name": "acme"}, headers=headers)).status_code == 201
    other = await api.post(ORGS, json={"name": "globex"}, headers={**headers, **bearer(token["token"])})
    assert other.status_code == 201
    assert await _names(api) == ["acme", "globex"]


async def test_an_invalid_key_is_400_and_nothing_is_written(api):
    await _setup(api)
    response = await api.post(ORGS, json={"name": "acme"}, headers={"Idempotency-Key": "x" * 256})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_idempotency_key"
    assert await _names(api) == []
