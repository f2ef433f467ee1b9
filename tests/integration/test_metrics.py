"""Requests are counted by route template, for the admin API, the protocol endpoints and the hosted pages."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_every_kind_of_route_is_labelled_by_its_template(api):
    await api.get("/realms/nope/.well-known/openid-configuration")
    await api.get("/realms/nope/oauth/authorize", params={"client_id": "x"})
    await api.get("/demo")
    await api.get("/api/v1/realms")
    await api.get("/no/such/path")
    metrics = (await api.get("/metrics")).text
    counted = {line.split("route=")[1].split('"')[1] for line in metrics.splitlines() if "requests_total{" in line}
    assert {
        "/realms/{realm}/.well-known/openid-configuration",
        "/realms/{realm}/oauth/authorize",
        "/demo",
        "/api/v1/realms",
        "unmatched",
    } <= counted
