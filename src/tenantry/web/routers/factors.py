"""``/api/v1/realms/{realm}/users/{user_id}/factors``: see or reset a user's second factors (S9).

There is deliberately no route that sets a user's password: an admin can reset factors, never
choose a credential (HOSTILE 62).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from .. import present
from ..auth import ActorDep, ServicesDep

router = APIRouter(prefix="/realms/{realm}/users/{user_id}/factors", tags=["users"])


@router.get("")
async def list_factors(realm: str, user_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    summary = await services.factors.list(actor, realm, user_id)
    return {
        "items": [present.factor(factor) for factor in summary.factors],
        "recovery_codes_left": summary.recovery_codes_left,
    }


@router.delete("", status_code=204)
async def reset_factors(realm: str, user_id: str, actor: ActorDep, services: ServicesDep) -> Response:
    await services.factors.reset(actor, realm, user_id)
    return Response(status_code=204)
