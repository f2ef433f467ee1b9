"""Plain Starlette routes that name themselves in the request scope.

FastAPI records the matched route in ``scope["route"]`` only for its own API routes; without this,
metrics and the access log would label every hosted page ``unmatched``.
"""

from __future__ import annotations

from starlette import routing
from starlette.types import Scope


class Route(routing.Route):
    def matches(self, scope: Scope) -> tuple[routing.Match, Scope]:
        match, child = super().matches(scope)
        if match is not routing.Match.NONE:
            child = {**child, "route": self}
        return match, child
