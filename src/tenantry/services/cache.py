"""A per-process read-through cache of the configuration the provider's hot paths read.

Why: without it a token request spends most of its time in control-plane transactions (realm,
client, keys, organization) whose answers change only when an administrator writes. Correctness
across nodes rests on the ``ControlChanges`` port: every committed configuration write on any
node empties every node's cache, and while changes cannot be heard (SQLite, a lost listener
connection) nothing is cached at all.

A load that raced a change is never stored: an entry is kept only if no change was heard between
the start of its load and its end (a generation counter), so a stale read cannot outlive the
notification that made it stale.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from tenantry.ports.control import ControlChanges

T = TypeVar("T")
MAX_ENTRIES = 20_000
"""Entries include misses (unknown client ids); the oldest go first beyond this bound."""


class ControlCache:
    def __init__(self, changes: ControlChanges, max_entries: int = MAX_ENTRIES):
        self._changes = changes
        self._max = max_entries
        self._entries: dict[Hashable, Any] = {}
        self._generation = 0
        changes.subscribe(self.clear)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    def drop(self, key: Hashable) -> None:
        """Forget one entry that has expired by time (changes by writes empty everything)."""
        self._entries.pop(key, None)

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The cached value for ``key``, or ``load()``'s answer, kept only if nothing changed meanwhile."""
        try:
            return self._entries[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        generation = self._generation
        value = await load()
        if self._changes.live and generation == self._generation:
            if len(self._entries) >= self._max:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = value
        return value
