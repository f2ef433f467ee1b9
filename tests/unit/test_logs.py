"""The per-request line is written without structlog's chain; it must keep the shape of every other line."""

from __future__ import annotations

import json

import structlog

from tenantry import logs


def test_the_access_line_has_the_shape_of_a_structlog_line(capsys):
    logs.configure("info")
    structlog.contextvars.bind_contextvars(request_id="req-12345678")
    try:
        structlog.get_logger("t").info("request", method="GET", route="/x", status=200, ms=1.5)
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    logs.access("req-12345678", "GET", "/x", 200, 1.5)
    chained, direct = (json.loads(line) for line in capsys.readouterr().out.splitlines()[-2:])
    assert chained.keys() == direct.keys()
    assert {key: chained[key] for key in chained if key != "timestamp"} == {
        key: direct[key] for key in direct if key != "timestamp"
    }
    assert direct["timestamp"].endswith("Z") and len(direct["timestamp"]) == len(chained["timestamp"])


def test_no_access_line_above_info(capsys):
    logs.configure("warning")
    logs.access("req-12345678", "GET", "/x", 200, 1.5)
    assert capsys.readouterr().out == ""
    logs.configure("info")
