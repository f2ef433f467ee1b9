"""scim2-tester (an independent SCIM 2.0 compliance checker) against a running Tenantry server (SPEC H1-H6).

One ``tenantry serve`` process on PostgreSQL (``tests/nodes.py``), a realm, a connection and a SCIM token
made through the admin API; then ``check_server`` discovers the service from /ServiceProviderConfig,
/ResourceTypes and /Schemas and runs every check it has: creation, reads, searches with attributes,
PUT, PATCH add/replace/remove on every attribute of User (with the enterprise extension) and Group,
and deletion. Every applicable check must pass; the count is printed and kept in the test's report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from tests.nodes import Cluster, cluster

pytestmark = [pytest.mark.interop, pytest.mark.postgres, pytest.mark.redis]
REALM = "scimtest"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with cluster(tmp_path_factory.mktemp("scim2-tester"), count=1) as running:
        yield running


def _scim_token(running: Cluster) -> tuple[str, str]:
    node = running.nodes[0].url
    headers = {"Authorization": f"Bearer {running.operator_token}"}
    with httpx.Client(base_url=node, headers=headers, timeout=30) as admin:
        for path, body in (
            ("/api/v1/realms", {"name": REALM}),
            (f"/api/v1/realms/{REALM}/connections", {"name": "directory"}),
            (f"/api/v1/realms/{REALM}/connections/directory/scim/tokens", {"name": "scim2-tester"}),
        ):
            response = admin.post(path, json=body)
            assert response.status_code == 201, response.text
    return f"{node}/realms/{REALM}/scim/v2", response.json()["token"]


def test_scim2_tester_passes_every_applicable_check(server: Cluster, record_property: pytest.RecordProperty):
    base, token = _scim_token(server)
    with Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        results = check_server(SyncSCIMClient(http))
    tally = Counter(result.status for result in results)
    failures = [
        f"{result.title} [{result.resource_type or '-'}]: {result.reason}"
        for result in results
        if result.status in (Status.ERROR, Status.CRITICAL)
    ]
    summary = ", ".join(f"{status.name.lower()}={count}" for status, count in sorted(tally.items(), key=str))
    skipped = sorted(
        {f"{r.title} [{r.resource_type or '-'}]: {r.reason}" for r in results if r.status == Status.SKIPPED}
    )
    print(f"scim2-tester: {tally[Status.SUCCESS]} checks passed ({summary})", *skipped, sep="\n  skipped: ")
    record_property("scim2_tester_passed", tally[Status.SUCCESS])
    assert not failures, "\n".join(failures)
    assert tally[Status.SUCCESS] >= 100
