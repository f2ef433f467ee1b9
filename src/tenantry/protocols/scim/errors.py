"""RFC 7644 3.12: SCIM errors carry an HTTP status and, for 400s, a ``scimType`` keyword."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError
from scim2_models import Error, SCIMException


class ScimError(Exception):
    """An error answered as ``urn:ietf:params:scim:api:messages:2.0:Error``."""

    status = 400
    scim_type: str | None = None

    def __init__(self, detail: str, *, status: int | None = None, scim_type: str | None = None):
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if scim_type is not None:
            self.scim_type = scim_type

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


class InvalidFilter(ScimError):
    """RFC 7644 3.12: the filter syntax is invalid or names an attribute or operator not supported."""

    scim_type = "invalidFilter"


class InvalidValue(ScimError):
    """RFC 7644 3.12: a required value is missing or a value is not compatible with its attribute."""

    scim_type = "invalidValue"


class InvalidSyntax(ScimError):
    """RFC 7644 3.12: the request body is not parsable or violates the schema."""

    scim_type = "invalidSyntax"


class Uniqueness(ScimError):
    """RFC 7644 3.3: a value that must be unique is taken (userName, a group's displayName)."""

    status = 409
    scim_type = "uniqueness"


class ResourceNotFound(ScimError):
    """RFC 7644 3.12: no such resource for this token (another connection's ids included, H7)."""

    status = 404


class PreconditionFailed(ScimError):
    """RFC 7644 3.14: ``If-Match`` names a version that is not the current one."""

    status = 412


class Unauthorized(ScimError):
    """RFC 7644 2: the bearer token is missing, unknown or revoked."""

    status = 401


class NotImplemented_(ScimError):
    """RFC 7644 3.12: the operation is not supported (Bulk, /Me, sorting)."""

    status = 501


@contextmanager
def translated() -> Iterator[None]:
    """scim2-models' exceptions and validation errors, as ``ScimError``s with their status and keyword."""
    try:
        yield
    except SCIMException as exc:
        raise ScimError(exc.detail, status=exc.status, scim_type=exc.scim_type or None) from exc
    except ValidationError as exc:
        first = Error.from_validation_errors(exc)[0]
        raise ScimError(
            first.detail or "the payload is not valid", status=first.status or 400, scim_type=first.scim_type
        ) from exc
