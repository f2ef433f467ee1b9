"""A failing test that ran against server processes (``tests/nodes.py``) shows each node's log beside the failure."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from tests.nodes import Cluster


def _cluster_of(value: object) -> Cluster | None:
    """A fixture value that is a Cluster, or carries one as its ``cluster`` attribute."""
    if isinstance(value, Cluster):
        return value
    found = getattr(value, "cluster", None)
    return found if isinstance(found, Cluster) else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    clusters = {id(found): found for found in map(_cluster_of, getattr(item, "funcargs", {}).values()) if found}
    for running in clusters.values():
        for title, text in running.log_sections():
            report.sections.append((title, text))
