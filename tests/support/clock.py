"""A clock the test moves by hand, for rules that depend on time (key rotation, expiry)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """Starts at the wall-clock time (so issued ids look ordinary) and moves only when told."""

    def __init__(self, start: datetime | None = None):
        self.moment = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> datetime:
        self.moment += timedelta(seconds=seconds)
        return self.moment
