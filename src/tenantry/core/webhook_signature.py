"""Signatures of outbound webhooks, as the Standard Webhooks specification defines them (SPEC J2).

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``; the signature header is
``v1,<base64 HMAC-SHA256>`` under the secret's key (``whsec_`` + base64 of 32 random bytes), so
receivers can check it with any Standard Webhooks library or a few lines of their own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
