"""TXT lookups for domain verification (SPEC F3) with dnspython's asynchronous resolver."""

from __future__ import annotations

import ipaddress

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.resolver

from tenantry.core.errors import Unavailable


def parse_nameserver(item: str) -> tuple[str, int]:
    """``host``, ``host:port``, ``v6`` or ``[v6]:port`` → (address, port); the port defaults to 53."""
    text = item.strip()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else "53"
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"invalid nameserver {item!r}")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, "53"
    try:
        address = str(ipaddress.ip_address(host))
        number = int(port)
    except ValueError as exc:
        raise ValueError(f"invalid nameserver {item!r}: expected an IP address and an optional port") from exc
    if not 0 < number < 65536:
        raise ValueError(f"invalid nameserver {item!r}: port out of range")
    return address, number


class DnsTxtResolver:
    """Answers NXDOMAIN and empty answers with ``[]``; timeouts and server failures are ``Unavailable``."""

    def __init__(self, nameservers: list[str] | None = None, timeout: float = 3.0):
        self._resolver = dns.asyncresolver.Resolver(configure=not nameservers)
        if nameservers:
            # Each nameserver keeps its own port (a single resolver-wide port would send some to 53).
            self._resolver.nameservers = [
                dns.nameserver.Do53Nameserver(*parse_nameserver(item)) for item in nameservers
            ]
        self._resolver.lifetime = timeout

    async def txt(self, name: str) -> list[str]:
        try:
            # search=False: the name is absolute; never retry it under the host's search domains.
            answer = await self._resolver.resolve(name, "TXT", search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as exc:
            # Timeouts, SERVFAIL/refusals (NoNameservers) and malformed answers alike: the record's
            # absence is not established, so callers must not treat it as gone.
            raise Unavailable("the DNS resolver did not answer", code="dns_unavailable") from exc
        return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
