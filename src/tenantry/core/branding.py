"""What the hosted pages show of a realm or an organization: a name, a logo and a primary colour.

A realm's branding is the default; an organization in the login context overrides it field by
field. Values are checked here once, so the pages can emit them without further escaping tricks:
the colour goes into a stylesheet and the logo's origin into the Content-Security-Policy.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import InvalidInput

COLOR = r"^#[0-9a-fA-F]{6}$"
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
TEXT = "#1b1b1f"
"""The pages' text colour (``--text`` in tenantry.css), used on light accents."""
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
"""Hosts whose logo may be served over plain http (a developer's machine)."""


class Branding(BaseModel):
    """Every field is optional: an unset field falls back to the realm's, then to the realm's display name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    display_name: str | None = Field(None, min_length=1, max_length=255, description="Name shown on the pages.")
    logo_url: str | None = Field(
        None, max_length=2048, description="https URL of the logo (http only for localhost, 127.0.0.1 and ::1)."
    )
    primary_color: str | None = Field(None, pattern=COLOR, description="`#rrggbb`: buttons and accents.")

    @field_validator("primary_color")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value is not None else None

    @field_validator("logo_url")
    @classmethod
    def _logo(cls, value: str | None) -> str | None:
        if value is not None:
            logo_origin(value)
        return value

    @property
    def logo_origin(self) -> str | None:
        """``scheme://host[:port]`` of the logo, for the pages' ``img-src``."""
        return logo_origin(self.logo_url) if self.logo_url else None

    def over(self, base: Branding) -> Branding:
        """This branding where a field is set, ``base`` elsewhere."""
        return Branding.model_validate(base.model_dump(exclude_none=True) | self.model_dump(exclude_none=True))

    def for_storage(self) -> dict[str, str]:
        """The form kept in an organization's ``branding`` column: set fields only."""
        return {key: value for key, value in self.model_dump(exclude_none=True).items() if isinstance(value, str)}

    @classmethod
    def parse(cls, data: Any) -> Branding:
        """Validate input from outside the API schema (the CLI, a settings merge) into a 400."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidInput("the branding is invalid", code="invalid_request", details=problems(exc)) from exc

    @classmethod
    def stored(cls, data: Mapping[str, Any]) -> Branding:
        """Stored branding written before it was validated keeps only its valid fields; the rest is never shown."""
        kept = {}
        for name in cls.model_fields:
            if name in data:
                try:
                    cls.model_validate({name: data[name]})
                except ValidationError:
                    continue
                kept[name] = data[name]
        return cls.model_validate(kept)


def logo_origin(url: str) -> str:
    """The origin of an acceptable logo URL; ``ValueError`` for anything else.

    The origin is rebuilt from checked parts (never copied from the input), so it cannot carry a
    ``;`` or a quote into the Content-Security-Policy header.
    """
    if not _VISIBLE_ASCII.fullmatch(url) or "\\" in url:
        raise ValueError("logo_url must be printable ASCII without spaces (percent-encode the rest)")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if "@" in parts.netloc:
        raise ValueError("logo_url must not contain user information")
    if scheme != "https" and not (scheme == "http" and host in LOOPBACK):
        raise ValueError("logo_url must use https (http only for localhost)")
    try:
        port = parts.port
        address = ipaddress.ip_address(host) if host and not _HOST.fullmatch(host) else None
    except ValueError as exc:
        raise ValueError("logo_url has an invalid host or port") from exc
    if not host:
        raise ValueError("logo_url needs a host")
    shown = f"[{address}]" if address is not None and address.version == 6 else str(address or host)
    return f"{scheme}://{shown}" + (f":{port}" if port is not None else "")


def problems(exc: ValidationError) -> dict[str, Any]:
    """Pydantic's errors in the admin API's ``details.errors`` shape."""
    return {
        "errors": [
            {"loc": [str(part) for part in error["loc"]], "type": error["type"], "msg": error["msg"]}
            for error in exc.errors()
        ]
    }


def on_accent(color: str) -> str:
    """White or the text colour, whichever contrasts more with the accent (WCAG relative luminance)."""

    def luminance(hex6: str) -> float:
        channels = [int(hex6[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    accent = luminance(color)
    with_white = 1.05 / (accent + 0.05)
    with_text = (accent + 0.05) / (luminance(TEXT[1:]) + 0.05)
    return "#ffffff" if with_white >= with_text else TEXT
