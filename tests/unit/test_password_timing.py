"""S7: verifying a password for an unknown user costs one hash, like a known user with a wrong password.

Relative, not absolute: the medians of the two cases, interleaved on the real argon2id hasher with
small parameters, are within 30% of each other. No assertion on how fast either one is.
"""

from __future__ import annotations

import statistics
import time

from tenantry.adapters.passwords import Argon2Hasher

TRIES = 21


async def test_unknown_user_costs_the_same_as_a_known_user_with_a_wrong_password():
    hasher = Argon2Hasher(time_cost=1, memory_kib=8192, parallelism=1, workers=1)
    try:
        stored = await hasher.hash("the right password")
        known: list[float] = []
        unknown: list[float] = []
        for _ in range(TRIES):
            for samples, password_hash in ((known, stored), (unknown, None)):
                started = time.perf_counter()
                assert await hasher.verify(password_hash, "a wrong password") is False
                samples.append(time.perf_counter() - started)
        assert await hasher.verify(None, "tenantry-dummy-password") is False  # the dummy never matches
        known_median, unknown_median = statistics.median(known), statistics.median(unknown)
        assert abs(unknown_median - known_median) <= 0.3 * known_median, (known_median, unknown_median)
    finally:
        hasher.close()
