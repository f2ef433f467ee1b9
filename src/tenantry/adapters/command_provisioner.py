"""The ``command`` provisioner (SPEC L5): an operator's infrastructure-as-code command makes the plane.

Tenantry runs the command (e.g. a wrapper around ``pulumi up`` or ``terraform apply``) with one
JSON document on stdin — ``{"action": "provision" | "destroy", "customer", "region", "cloud",
"plane": {"name", "database", "server", "tier"}}`` — and reads one JSON object from stdout:
``{"endpoint", "data_plane_ref", "stack_name", "outputs": {...}}`` (every key optional). The
command must be idempotent, as IaC tools are. ``data_plane_ref`` must be a secret reference; a raw
secret in the outputs is refused. After the command, Tenantry migrates the plane itself.
"""

from __future__ import annotations

import asyncio
import json
import shlex
from collections.abc import Awaitable, Callable
from typing import Any

from tenantry.core.errors import InvalidInput, Unavailable
from tenantry.core.plane import DataPlane
from tenantry.core.secret_ref import check
from tenantry.ports.customers import PlaneRequest, ProvisionedPlane

TIMEOUT_SECONDS = 1800


class CommandProvisioner:
    kind = "command"

    def __init__(
        self,
        command: str,
        prepare: Callable[[DataPlane], Awaitable[None]],
        remove: Callable[[DataPlane], Awaitable[None]],
    ):
        self.argv = shlex.split(command)
        if not self.argv:
            raise ValueError("the provisioner command is empty")
        self.prepare = prepare
        self.remove = remove

    async def _run(self, action: str, request: PlaneRequest) -> dict[str, Any]:
        plane = request.plane
        document = {
            "action": action,
            "customer": request.customer,
            "region": request.region,
            "cloud": request.cloud,
            "plane": {"name": plane.name, "database": plane.database, "server": plane.server, "tier": plane.tier},
        }
        process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(json.dumps(document).encode()), TIMEOUT_SECONDS)
        except TimeoutError as exc:
            process.kill()
            raise Unavailable("the provisioner command timed out", code="provisioner_failed") from exc
        if process.returncode != 0:
            raise Unavailable(
                "the provisioner command failed",
                code="provisioner_failed",
                details={"exit_code": process.returncode, "stderr": err.decode(errors="replace")[-2000:]},
            )
        try:
            answer = json.loads(out.decode() or "{}")
        except ValueError as exc:
            raise Unavailable("the provisioner command printed no JSON object", code="provisioner_failed") from exc
        if not isinstance(answer, dict):
            raise Unavailable("the provisioner command printed no JSON object", code="provisioner_failed")
        return answer

    async def provision(self, request: PlaneRequest) -> ProvisionedPlane:
        answer = await self._run("provision", request)
        ref = answer.get("data_plane_ref")
        if ref is not None:
            check("data_plane_ref", str(ref))
        outputs = answer.get("outputs", {})
        if not isinstance(outputs, dict):
            raise InvalidInput("the provisioner's outputs must be an object", code="provisioner_failed")
        await self.prepare(request.plane)
        return ProvisionedPlane(
            endpoint=_text(answer.get("endpoint")),
            data_plane_ref=_text(ref),
            stack_name=_text(answer.get("stack_name")),
            outputs=outputs,
        )

    async def destroy(self, request: PlaneRequest) -> None:
        await self._run("destroy", request)
        await self.remove(request.plane)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
