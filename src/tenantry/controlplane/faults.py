"""A deliberate test hook: stop the process dead at a named point of a pipeline.

``TENANTRY_ONBOARDING_HALT_AT=<step>.<before|inside|after>`` makes the executor kill itself with
SIGKILL when it reaches that point, as a power cut would: ``before`` the step's record is written,
``inside`` after its side effects but before it is recorded as succeeded, ``after`` it is recorded.
The fault-injection tests use it to prove that a rerun converges (SPEC L4).
It is off unless set; never set it in production.
"""

from __future__ import annotations

import os
import signal


def halt(configured: str | None, point: str) -> None:
    if configured is not None and configured == point:
        os.kill(os.getpid(), signal.SIGKILL)
