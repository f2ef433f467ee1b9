"""How long a session lives (SPEC D8, S8): idle and absolute limits from policy, evaluated at each use.

The deployment's defaults apply where a realm's policy sets nothing; a realm's policy replaces them
(longer or shorter); an organization in the session's login context can only shorten them, even
where the realm's policy is silent. Limits are applied to a session's stored times at every use,
so tightening a policy reaches existing sessions at once; loosening one reaches them at their
next use, because the stored deadlines are never pushed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tenantry.core.grant import Session
from tenantry.core.policy import Policy

_FOREVER = 10 * 525_600
"""Minutes beyond any policy's bound: "no limit" for ``within``."""


@dataclass(frozen=True, slots=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def minutes(cls, idle: int, absolute: int) -> SessionLimits:
        return cls(timedelta(minutes=idle), timedelta(minutes=absolute))

    def for_realm(self, policy: Policy) -> SessionLimits:
        """The realm's limits: its policy's where set, these defaults otherwise."""
        return SessionLimits(
            timedelta(minutes=policy.session_idle_minutes) if policy.session_idle_minutes else self.idle,
            timedelta(minutes=policy.session_absolute_minutes) if policy.session_absolute_minutes else self.absolute,
        )

    def within(self, policy: Policy) -> SessionLimits:
        """Never longer than ``policy`` allows: how an organization's (merged) policy applies."""
        return SessionLimits(
            min(self.idle, timedelta(minutes=policy.session_idle_minutes or _FOREVER)),
            min(self.absolute, timedelta(minutes=policy.session_absolute_minutes or _FOREVER)),
        )

    def absolute_deadline(self, session: Session) -> datetime:
        """Counted from the login (``auth_time``), which an organization switch carries over."""
        return min(session.absolute_expires_at, session.auth_time + self.absolute)

    def idle_deadline(self, session: Session) -> datetime:
        return min(session.idle_expires_at, session.last_seen_at + self.idle, self.absolute_deadline(session))

    def alive(self, session: Session, now: datetime) -> bool:
        return session.revoked_at is None and now < self.idle_deadline(session)

    def used_at(self, session: Session, now: datetime) -> datetime:
        """The idle deadline after a use at ``now`` (sliding), never past the absolute one."""
        return min(now + self.idle, self.absolute_deadline(session))
