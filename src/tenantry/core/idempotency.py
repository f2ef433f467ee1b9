"""Idempotent admin writes (DESIGN.md section 8): a retried request with the same key gets the first answer.

A key is scoped to the credential that sent it and bound to a fingerprint of the request; the
same key with a different request is refused rather than silently answered with another result.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

KEY_MAX_LENGTH = 255
RETENTION = timedelta(hours=24)


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(slots=True)
class IdempotentRequest:
    owner: str
    """A digest of the credential, so two callers never share keys."""
    key: str
    fingerprint: str
    created_at: datetime
    status: int | None = None
    """None while the first request is still running."""
    body: bytes | None = None
    content_type: str | None = None

    def expired(self, now: datetime) -> bool:
        return now - self.created_at > RETENTION
