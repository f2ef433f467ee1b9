"""``tenantry passwords calibrate``: argon2id parameters for a target time on this machine.

Memory stays at the OWASP floor or above (19 MiB) and parallelism at 1; the iteration count is
what grows, because it scales time linearly without raising memory per login.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from argon2 import PasswordHasher, Type

from .common import console, table

app = typer.Typer(help="Password hashing.", no_args_is_help=True)


def _milliseconds(time_cost: int, memory_kib: int, rounds: int = 5) -> float:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID)
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        hasher.hash("calibration password")
        samples.append((time.perf_counter() - started) * 1000)
    return sorted(samples)[len(samples) // 2]


@app.command("calibrate")
def calibrate(
    target_ms: Annotated[float, typer.Option("--target-ms", help="Wanted time per hash on one core.")] = 50.0,
    memory_kib: Annotated[int, typer.Option("--memory-kib", help="Memory per hash (at least 19456).")] = 19_456,
) -> None:
    """Measure argon2id here and suggest TENANTRY_ARGON2_* settings for the target time."""
    memory_kib = max(memory_kib, 19_456)
    grid = table(f"argon2id, m={memory_kib} KiB, p=1", ["time cost", "ms per hash", "hashes/s per core"])
    chosen = 1
    for time_cost in range(1, 11):
        ms = _milliseconds(time_cost, memory_kib)
        grid.add_row(str(time_cost), f"{ms:.1f}", f"{1000 / ms:.0f}")
        if ms <= target_ms:
            chosen = time_cost
        if ms > target_ms * 1.5:
            break
    out = console()
    out.print(grid)
    out.print(f"TENANTRY_ARGON2_TIME_COST={chosen}")
    out.print(f"TENANTRY_ARGON2_MEMORY_KIB={memory_kib}")
    out.print("TENANTRY_ARGON2_PARALLELISM=1")
