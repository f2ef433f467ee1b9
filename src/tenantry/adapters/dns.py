"""TXT lookups for domain verification (SPEC F3) with dnspython's asynchronous resolver."""

from __future__ import annotations

import dns.asyncresolver
import dns.exception
import dns.resolver

from tenantry.core.errors import Unavailable


class DnsTxtResolver:
    """Answers NXDOMAIN and empty answers with ``[]``; timeouts and server failures are ``Unavailable``."""

    def __init__(self, nameservers: list[str] | None = None, timeout: float = 3.0):
        self._resolver = dns.asyncresolver.Resolver(configure=not nameservers)
        if nameservers:
            hosts, ports = [], set()
            for item in nameservers:
                host, _, port = item.rpartition(":") if ":" in item else (item, "", "53")
                hosts.append(host)
                ports.add(int(port))
            self._resolver.nameservers = hosts
            self._resolver.port = ports.pop() if len(ports) == 1 else 53
        self._resolver.lifetime = timeout

    async def txt(self, name: str) -> list[str]:
        try:
            answer = await self._resolver.resolve(name, "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            raise Unavailable("the DNS resolver did not answer", code="dns_unavailable") from exc
        return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
