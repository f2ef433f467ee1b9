"""A small authoritative DNS server for tests: TXT records on 127.0.0.1, UDP and TCP on one random port.

Built on dnslib's socketserver framework. ``records`` maps a name to its TXT strings and may be
changed while the server runs; every query reads it afresh. Names absent from ``records`` answer
NXDOMAIN; a present name answers its TXT strings (an empty list: NOERROR without answers), and
NOERROR without answers for other record types. Replies follow the classic size rules: over UDP at
most 512 bytes (or the EDNS payload the client advertised), otherwise truncated with TC set so the
client retries over TCP.

Failure modes for tests: ``mode = "servfail"`` answers SERVFAIL, ``mode = "silent"`` swallows
every query (the client times out), and ``stop()`` closes both sockets (the port refuses).

    with LocalDnsServer() as dns:
        dns.publish("example.test", "v=spf1 -all")
        settings = ...(dns_nameservers=[dns.nameserver])
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from typing import Literal

from dnslib import QTYPE, RCODE, RR, TXT, DNSRecord
from dnslib.server import DNSHandler, DNSLogger, DNSServer

Mode = Literal["answer", "servfail", "silent"]
CLASSIC_UDP_LIMIT = 512
_QUIET = DNSLogger(log="-request,-reply,-truncated,-error", prefix=False, logf=lambda _message: None)


def normalise(name: str) -> str:
    """DNS names compare case-insensitively and without the root dot."""
    return name.strip().rstrip(".").lower()


def _character_strings(text: str) -> list[bytes]:
    """One TXT string of any length as the 255-byte character-strings the wire format needs."""
    data = text.encode()
    return [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]


class _TxtResolver:
    """Answers from the owning server's ``records``; one instance serves every handler thread."""

    def __init__(self, server: LocalDnsServer):
        self.owner = server

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = request.reply()  # qr, aa and the question copied
        if self.owner.mode == "servfail":
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        qname = str(request.q.qname)
        texts = self.owner.lookup(qname)
        if texts is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype in (QTYPE.TXT, QTYPE.ANY):
            for text in texts:
                reply.add_answer(RR(qname, QTYPE.TXT, rdata=TXT(_character_strings(text)), ttl=self.owner.ttl))
        return reply


class _Handler(DNSHandler):
    """dnslib's handler plus the failure modes, a query log and UDP truncation by the client's limit."""

    def handle(self) -> None:
        owner: LocalDnsServer = self.server.resolver.owner
        if owner.mode == "silent":
            return
        super().handle()

    def get_reply(self, data: bytes) -> bytes:
        request = DNSRecord.parse(data)
        owner: LocalDnsServer = self.server.resolver.owner
        owner.queries.append((self.protocol, normalise(str(request.q.qname)), QTYPE[request.q.qtype]))
        reply = self.server.resolver.resolve(request, self)
        packed = reply.pack()
        if self.protocol == "udp":
            limit = max([CLASSIC_UDP_LIMIT, *(rr.rclass for rr in request.ar if rr.rtype == QTYPE.OPT)])
            if len(packed) > limit:
                # dnslib's own truncate() drops the question too, which clients reject; keep it.
                truncated = request.reply()
                truncated.header.rcode = reply.header.rcode
                truncated.header.tc = 1
                packed = truncated.pack()
        return packed


class LocalDnsServer:
    """UDP and TCP listeners on ``127.0.0.1:<port>`` in background threads, started by ``start()``."""

    def __init__(self, records: dict[str, list[str]] | None = None, *, host: str = "127.0.0.1", ttl: int = 0):
        self.records: dict[str, list[str]] = dict(records or {})
        self.host = host
        self.ttl = ttl
        self.mode: Mode = "answer"
        self.queries: list[tuple[str, str, str]] = []
        """(protocol, name, type) of every query answered or refused, in arrival order."""
        self.port = 0
        self._servers: list[DNSServer] = []

    @property
    def nameserver(self) -> str:
        """The ``host:port`` form that ``Settings.dns_nameservers`` takes."""
        return f"{self.host}:{self.port}"

    def lookup(self, name: str) -> list[str] | None:
        wanted = normalise(name)
        for key, texts in list(self.records.items()):
            if normalise(key) == wanted:
                return list(texts)
        return None

    def publish(self, name: str, *texts: str) -> None:
        """Add TXT strings at ``name`` (creating the name)."""
        key = normalise(name)
        self.records[key] = [*self.records.get(key, []), *texts]

    def withdraw(self, name: str, text: str | None = None) -> None:
        """Remove one TXT string at ``name``, or the whole name (NXDOMAIN afterwards) when ``text`` is None."""
        key = normalise(name)
        if text is None:
            self.records.pop(key, None)
        elif key in self.records:
            self.records[key] = [item for item in self.records[key] if item != text]

    def start(self) -> LocalDnsServer:
        if self._servers:
            raise RuntimeError("the DNS server is already running")
        resolver = _TxtResolver(self)
        for _attempt in range(20):
            udp = DNSServer(resolver, address=self.host, port=0, logger=_QUIET, handler=_Handler)
            port = udp.server.server_address[1]
            try:
                tcp = DNSServer(resolver, address=self.host, port=port, tcp=True, logger=_QUIET, handler=_Handler)
            except OSError as exc:
                udp.server.server_close()
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue
            break
        else:
            raise RuntimeError("no port was free for both UDP and TCP")
        self.port = port
        self._servers = [udp, tcp]
        for server in self._servers:
            server.start_thread()
        return self

    def stop(self) -> None:
        """Stop serving and close both sockets: the port refuses from now on. Safe to call twice."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.server.shutdown()
            server.server.server_close()
            server.thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return bool(self._servers)

    def __enter__(self) -> LocalDnsServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def query_txt(server: LocalDnsServer, name: str, *, tcp: bool = False, timeout: float = 2.0) -> Iterable[str]:
    """A plain dnslib client, for checking the server itself without the code under test."""
    packet = DNSRecord.question(name, "TXT").send(server.host, server.port, tcp=tcp, timeout=timeout)
    reply = DNSRecord.parse(packet)
    return [b"".join(rr.rdata.data).decode() for rr in reply.rr if rr.rtype == QTYPE.TXT]
