"""Recording and verifying the hash-chained audit log (SPEC L9)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

from tenantry.core.audit import GENESIS, PLATFORM_STREAM, AuditEvent, first_broken_link, realm_stream, redact
from tenantry.ports.control import ControlTransaction
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require
from .context import Ports


async def record(
    tx: ControlTransaction,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    *,
    realm_id: str | None = None,
    organization_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the realm's stream (or the platform's) inside the caller's transaction."""
    return await tx.audit.append(
        stream=realm_stream(realm_id) if realm_id else PLATFORM_STREAM,
        actor=actor.label,
        action=action,
        target_type=target_type,
        target_id=target_id,
        request_id=actor.request_id,
        realm_id=realm_id,
        organization_id=organization_id,
        details=redact(details or {}),
    )


@dataclass(slots=True)
class StreamCheck:
    stream: str
    events: int
    broken_at: AuditEvent | None
    truncated_after: int | None = None
    """Set when the stream's recorded tip is beyond its last stored event: events were cut from the end."""

    @property
    def ok(self) -> bool:
        return self.broken_at is None and self.truncated_after is None

    def problem(self) -> str | None:
        if self.broken_at is not None:
            return f"broken at seq {self.broken_at.seq} (event {self.broken_at.id})"
        if self.truncated_after is not None:
            return f"events missing after seq {self.truncated_after}"
        return None

    def as_dict(self) -> dict[str, Any]:
        broken = self.broken_at
        return {
            "stream": self.stream,
            "events": self.events,
            "ok": self.ok,
            "broken_at": None if broken is None else {"seq": broken.seq, "event_id": broken.id},
            "truncated_after": self.truncated_after,
        }


class AuditService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def verify(self, stream: str | None = None) -> builtins.list[StreamCheck]:
        """Walk each stream's chain; name the first event whose link does not hold."""
        async with self.ports.control.transaction() as tx:
            names = [stream] if stream else await tx.audit.streams()
            results = []
            for name in names:
                events = await tx.audit.stream(name)
                check = StreamCheck(name, len(events), first_broken_link(events))
                tip = await tx.audit.head(name)
                last = (events[-1].seq, events[-1].hash) if events else (0, GENESIS)
                if check.broken_at is None and tip is not None and tip != last:
                    check.truncated_after = last[0]
                results.append(check)
        return results

    async def list(
        self,
        actor: Actor,
        realm_ref: str,
        page: PageRequest,
        *,
        organization: str | None = None,
        action: str | None = None,
    ) -> Page[AuditEvent]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            org_id = None
            if organization is not None or actor.organization_id is not None:
                org = await lookup.organization(tx, actor, realm.id, organization or actor.organization_id or "")
                org_id = org.id
            require(actor, "audit:read")
            return await tx.audit.list(realm_stream(realm.id), page, organization_id=org_id, action=action)
