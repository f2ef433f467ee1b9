"""TOTP (RFC 6238) with pyotp: secrets, the enrolment QR code, and which time step a code belongs to.

Only the server's clock decides the time step (HOSTILE 66); one step either side is accepted for
clock drift. Single use within that window is the repository's job (``FactorRepository.use_step``).
"""

from __future__ import annotations

import hmac
import io
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno

PERIOD = 30
DIGITS = 6
DRIFT_STEPS = 1


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    factor_id: str
    secret: str
    """Base32, for typing into an authenticator by hand."""
    uri: str


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """A standalone SVG document (with its namespace), served as ``image/svg+xml`` from the page's own origin."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, title="Authenticator setup")
    return out.getvalue().decode()


def step_at(now: datetime) -> int:
    return int(now.timestamp()) // PERIOD


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (within the drift window) whose code is ``code``, or None."""
    typed = "".join(code.split())
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    current = step_at(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), typed):
            found = step
    return found
