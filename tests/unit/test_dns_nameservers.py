"""The ``dns_nameservers`` setting (SPEC F3): every form names an address and its own port."""

from __future__ import annotations

import pytest

from tenantry.adapters.dns import parse_nameserver


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("192.0.2.53", ("192.0.2.53", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        (" 127.0.0.1:5353 ", ("127.0.0.1", 5353)),
        ("::1", ("::1", 53)),
        ("2001:db8::53", ("2001:db8::53", 53)),
        ("[::1]", ("::1", 53)),
        ("[2001:db8::53]:5353", ("2001:db8::53", 5353)),
    ],
)
def test_f3_nameserver_forms(item, expected):
    assert parse_nameserver(item) == expected


@pytest.mark.parametrize(
    "item",
    [
        "",
        "dns.example",
        "dns.example:53",
        "127.0.0.1:",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:x",
        "[::1",
        "[::1]x",
    ],
)
def test_f3_nameserver_junk_refused(item):
    with pytest.raises(ValueError, match="invalid nameserver"):
        parse_nameserver(item)
