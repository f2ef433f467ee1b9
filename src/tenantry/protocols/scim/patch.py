"""RFC 7644 3.5.2 PATCH, with the dialects Microsoft Entra ID and Okta send (SPEC H4).

scim2-models applies the operations atomically (one failure leaves the resource as it was) and
already reads ``op`` case-insensitively, ``"True"``/``"False"`` strings as booleans, path-less
values with dotted and URN keys, and Entra's member removal by ``value``. What is added here:
Entra's ``manager`` written as a bare id, Entra's member entries carrying ``"$ref": null`` (which would
otherwise select nothing on removal), and Okta's group rename carrying the group's own ``id``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from scim2_models import Context, PatchOp, Resource, ScimPolicy

from .errors import InvalidSyntax, translated
from .resources import ENTERPRISE_SCHEMA

POLICY = ScimPolicy(
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)
"""Entra removes members with ``{"path": "members", "value": [...]}`` and replaces ``emails[type eq "work"].value``
on users that have no work email yet, expecting the entry to be created."""
MANAGER = f"{ENTERPRISE_SCHEMA}:manager".lower()
MAX_OPERATIONS = 1000

ResourceT = TypeVar("ResourceT", bound=Resource[Any])


def _manager(value: Any) -> Any:
    """Entra sends the manager's id as a string (or a one-element list); the schema wants ``{"value": id}``."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return {"value": value} if isinstance(value, str) else value


def _operation(operation: Any) -> Any:
    if not isinstance(operation, dict):
        return operation
    fixed = dict(operation)
    path = fixed.get("path")
    value = fixed.get("value")
    if isinstance(value, list):
        value = [{k: v for k, v in item.items() if v is not None} if isinstance(item, dict) else item for item in value]
        fixed["value"] = value
    if isinstance(path, str) and path.lower() == MANAGER and "value" in fixed:
        fixed["value"] = _manager(value)
    if path is None and isinstance(value, dict):
        value = {key: item for key, item in value.items() if key != "id"}
        fixed["value"] = {key: _manager(item) if key.lower() == MANAGER else item for key, item in value.items()}
    return fixed


def normalised(body: Any) -> Any:
    if not isinstance(body, dict):
        raise InvalidSyntax("the PATCH body must be a PatchOp object")
    operations = body.get("Operations", body.get("operations"))
    if isinstance(operations, list) and len(operations) > MAX_OPERATIONS:
        raise InvalidSyntax(f"a PATCH carries at most {MAX_OPERATIONS} operations")
    if isinstance(operations, list):
        body = {**body, "Operations": [_operation(operation) for operation in operations]}
        body.pop("operations", None)
    return body


def apply(resource: ResourceT, body: Any) -> ResourceT:
    """The patched copy; the original is untouched whatever fails."""
    model = type(resource)
    patched = resource.model_copy(deep=True)
    with translated(), POLICY:
        patch = PatchOp[model].model_validate(normalised(body), scim_ctx=Context.RESOURCE_PATCH_REQUEST)  # type: ignore[valid-type]
        patch.patch(patched, POLICY)
    return patched
