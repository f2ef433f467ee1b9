"""Shared short-lived counters for brute-force protection (SPEC S6; DESIGN.md section 3).

Redis when configured, the control-plane database otherwise. Every node of a deployment uses the
same store, so counting is exact across nodes and survives restarts. Keys arrive already hashed.
Counters and locks are separate: ``lock`` never changes a count and ``hit`` never changes a lock.
Every method raises ``Unavailable`` (code ``throttle_unavailable``) when the store cannot answer.
"""

from __future__ import annotations

from typing import Protocol


class ThrottleStore(Protocol):
    async def hit(self, key: str, window_seconds: int) -> int:
        """Atomically add one to a fixed-window counter and return the new count.

        The window starts at the first hit; the first hit after it ends starts a new window at 1.
        """
        ...

    async def get(self, key: str) -> int:
        """The count in the current window, 0 when there is none."""
        ...

    async def lock(self, key: str, seconds: int) -> None:
        """Lock ``key`` for ``seconds`` from now, replacing any lock it had."""
        ...

    async def locked_for(self, key: str) -> int:
        """Seconds left on the lock of ``key`` (rounded up), 0 when it is not locked."""
        ...

    async def clear(self, key: str) -> None:
        """Forget the counter and the lock of ``key``."""
        ...
