"""Domain claims (SPEC F2, F3): verified by DNS TXT, one organization per verified domain, no consumer domains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .errors import InvalidInput

DomainStatus = Literal["pending", "verified", "lapsed"]
TXT_PREFIX = "tenantry-verification="

CONSUMER_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "ymail.com",
        "rocketmail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "mail.ru",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "hey.com",
        "fastmail.com",
        "tutanota.com",
        "tuta.io",
        "laposte.net",
        "orange.fr",
        "free.fr",
        "libero.it",
        "t-online.de",
        "comcast.net",
        "verizon.net",
        "att.net",
    }
)


def claimable(domain: str) -> str:
    """F2: consumer mail domains can never be claimed by an organization (compared case-insensitively)."""
    if domain.strip().rstrip(".").lower() in CONSUMER_MAIL_DOMAINS:
        raise InvalidInput(
            "consumer mail domains cannot be claimed", code="consumer_domain", details={"domain": domain}
        )
    return domain


@dataclass(slots=True)
class DomainClaim:
    id: str
    realm_id: str
    organization_id: str
    domain: str
    token: str
    created_at: datetime
    status: DomainStatus = "pending"
    method: str = "dns_txt"
    auto_join: bool = False
    verified_at: datetime | None = None
    checked_at: datetime | None = None

    @property
    def txt_record(self) -> str:
        return f"{TXT_PREFIX}{self.token}"

    @property
    def record_names(self) -> tuple[str, str]:
        """F3: the record may sit at the domain itself or at ``_tenantry.<domain>``."""
        return (self.domain, f"_tenantry.{self.domain}")

    @property
    def routes(self) -> bool:
        """Only verified claims route logins or allow auto-join; pending and lapsed never do (D6)."""
        return self.status == "verified"
