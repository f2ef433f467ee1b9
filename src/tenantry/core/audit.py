"""The audit log (SPEC L9): append-only, hash-chained per stream, so any edit or deletion shows.

Each event's hash covers the previous event's hash and a canonical JSON form of the event, so
verifying a stream is a single pass that names the first link that does not hold.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
PLATFORM_STREAM = "platform"
REDACTED = "[redacted]"
_SECRET_HINTS = ("password", "secret", "token", "_ref", "key")


def realm_stream(realm_id: str) -> str:
    return f"realm:{realm_id}"


@dataclass(slots=True)
class AuditEvent:
    id: str
    stream: str
    seq: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    prev_hash: str
    hash: str
    request_id: str | None = None
    realm_id: str | None = None
    organization_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def redact(details: dict[str, Any]) -> dict[str, Any]:
    """Never put a secret, password, token or secret reference into the log (L1, DESIGN section 8)."""
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if any(hint in str(key).lower() for hint in _SECRET_HINTS):
            clean[key] = REDACTED
        else:
            clean[key] = _redact_value(value)
    return clean


def _redact_value(value: Any) -> Any:
    """Dicts nested anywhere, also inside lists, are redacted too."""
    if isinstance(value, dict):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def event_body(event: AuditEvent) -> dict[str, Any]:
    """The fields the hash covers: everything but the hash itself."""
    return {
        "id": event.id,
        "stream": event.stream,
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "request_id": event.request_id,
        "realm_id": event.realm_id,
        "organization_id": event.organization_id,
        "details": event.details,
    }


def first_broken_link(events: list[AuditEvent]) -> AuditEvent | None:
    """Walk one stream in sequence order; return the first event whose link does not hold."""
    prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq or event.prev_hash != prev or chain_hash(prev, event_body(event)) != event.hash:
            return event
        prev = event.hash
        expected_seq += 1
    return None
