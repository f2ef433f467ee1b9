"""Brute-force protection as data (SPEC S6): the limits, the exempt networks and how counters are named.

Failures are counted per (account, IP) and per IP across accounts, each in a fixed window that
starts at its first failure. Reaching a limit locks that counter for ``lockout_seconds``. Counter
names are SHA-256 digests of (realm, kind, account, IP bucket), so no email or address is stored
in clear (DESIGN.md section 8). An IPv6 address counts for its /64 (one customer line holds a whole /64) and an
IPv4-mapped IPv6 address counts as the IPv4 address.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from .errors import Unavailable

THROTTLE_UNAVAILABLE = "throttle_unavailable"
IPV6_BUCKET_PREFIX = 64

CounterKind = Literal["account_ip", "ip"]
ACCOUNT_IP: CounterKind = "account_ip"
PER_IP: CounterKind = "ip"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ThrottlePolicy(BaseModel):
    """The limits one deployment applies; the defaults follow HOSTILE 55 and 57."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_failures_per_account_ip: int = Field(10, ge=1)
    """Failures of one account from one IP within the window; reaching it locks the pair (the next try is refused)."""
    account_ip_window_seconds: int = Field(900, ge=1)
    lockout_seconds: int = Field(900, ge=1)
    """How long a reached limit refuses further tries, for the pair and for the IP alike."""
    max_failures_per_ip: int = Field(100, ge=1)
    """Failures from one IP across all accounts of a realm within the IP window."""
    ip_window_seconds: int = Field(3600, ge=1)
    exempt_cidrs: tuple[str, ...] = ()
    """Networks never counted per IP (e.g. a corporate NAT); their (account, IP) pairs are still counted."""

    _networks: tuple[Network, ...] = PrivateAttr(default=())

    @field_validator("exempt_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return tuple(str(ipaddress.ip_network(item.strip(), strict=False)) for item in value)
        except ValueError as exc:
            raise ValueError(f"exempt_cidrs holds an invalid CIDR: {exc}") from exc

    def model_post_init(self, context: object, /) -> None:
        self._networks = tuple(ipaddress.ip_network(item) for item in self.exempt_cidrs)

    def exempt(self, ip: str) -> bool:
        """Whether failures from this address are never counted per IP."""
        address = parse_ip(ip)
        if address is None:
            return False
        return any(address.version == net.version and address in net for net in self._networks)


def parse_ip(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, with an IPv4-mapped IPv6 address turned into IPv4; None when ``ip`` is not an address."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def ip_bucket(ip: str) -> str:
    """What one IP counts as: the IPv4 address, the IPv6 /64, or the text itself when it is not an address."""
    address = parse_ip(ip)
    if address is None:
        return ip.strip().lower()
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_BUCKET_PREFIX), strict=False))
    return str(address)


def account_key(account: str) -> str:
    """Accounts differing only by case or surrounding spaces share one counter."""
    return account.strip().lower()


def throttle_key(realm_id: str, kind: CounterKind, account: str | None, ip: str) -> str:
    """The stored name of a counter: the SHA-256 (hex) of (realm id, kind, account, IP bucket).

    The parts are hashed as a JSON array, so no choice of account or IP text can collide with another.
    """
    account_part = account_key(account) if account is not None else None
    material = json.dumps([realm_id, kind, account_part, ip_bucket(ip)], ensure_ascii=True)
    return hashlib.sha256(material.encode()).hexdigest()


def throttle_unavailable(store: str) -> Unavailable:
    """The store of counters cannot answer: callers refuse rather than let a credential be checked (HOSTILE 76)."""
    return Unavailable(
        "brute-force protection cannot reach its store; try again later",
        code=THROTTLE_UNAVAILABLE,
        details={"store": store},
    )
