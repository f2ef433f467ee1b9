"""Domain errors. Each carries a stable machine-readable code; the web layer maps ``kind`` to a status.

Codes are documented in docs/admin-api.md; never rename one, add a new one instead.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every refusal the domain makes on purpose."""

    kind: ClassVar[str] = "invalid"
    code: str = "invalid_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details or {}


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule (400)."""

    kind = "invalid"
    code = "invalid_request"


class Unprocessable(DomainError):
    """The request is well-formed JSON but a value in it cannot be understood, e.g. a rule's expression (422)."""

    kind = "unprocessable"
    code = "unprocessable"


class NotFound(DomainError):
    """The object does not exist in the caller's realm or organization (404, never 403)."""

    kind = "not_found"
    code = "not_found"


class Conflict(DomainError):
    """The write would break a uniqueness rule (409); nothing was written."""

    kind = "conflict"
    code = "conflict"


class Forbidden(DomainError):
    """The caller is known but its scopes do not allow the action (403)."""

    kind = "forbidden"
    code = "insufficient_scope"


class Unauthenticated(DomainError):
    """No valid credential was presented (401)."""

    kind = "unauthenticated"
    code = "invalid_token"


class Unavailable(DomainError):
    """A dependency of this request only (a data plane, a resolver) cannot serve it now (503)."""

    kind = "unavailable"
    code = "unavailable"


class IsolationBlocked(InvalidInput):
    """SPEC C3: a standard organization cannot become isolated while a member belongs elsewhere."""

    code = "isolation_blocked"


class PlaneBehind(Unavailable):
    """A data plane's schema is behind the code's migration head; only its organizations get 503."""

    code = "plane_schema_behind"
