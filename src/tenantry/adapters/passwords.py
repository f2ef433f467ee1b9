"""argon2id password hashing on a bounded thread pool, never on the event loop.

argon2 releases the GIL, so a small pool gives real parallelism; a semaphore keeps a burst of
logins from queueing unbounded memory (each hash holds ``memory_kib``).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher as Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2Hasher:
    def __init__(self, *, time_cost: int = 2, memory_kib: int = 19_456, parallelism: int = 1, workers: int = 2):
        self._argon2 = Argon2(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._gate = asyncio.Semaphore(workers * 4)
        self._dummy = self._argon2.hash("tenantry-dummy-password")

    async def hash(self, password: str) -> str:
        async with self._gate:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Without a stored hash, verify against a dummy so unknown users cost the same time (S7)."""
        target = password_hash or self._dummy

        def check() -> bool:
            try:
                return bool(self._argon2.verify(target, password))
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        async with self._gate:
            matched = await asyncio.get_running_loop().run_in_executor(self._pool, check)
        return matched and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._argon2.check_needs_rehash(password_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
