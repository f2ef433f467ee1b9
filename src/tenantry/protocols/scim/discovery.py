"""RFC 7644 4: ``/ServiceProviderConfig``, ``/ResourceTypes`` and ``/Schemas``, built from the resource models.

Bulk, sorting and password changes are advertised as unsupported (their endpoints answer 501); PATCH,
filtering and ETags are supported.
"""

from __future__ import annotations

from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Meta,
    Patch,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

from .errors import ResourceNotFound
from .resources import UserResource

MAX_RESULTS = 200
"""The largest ``count`` answered; a larger one is lowered to this (RFC 7644 3.4.2.4)."""


def _dump(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return dumped


def service_provider_config(base: str) -> dict[str, Any]:
    config = ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="The SCIM token created for this connection (shown once).",
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=f"{base}/ServiceProviderConfig"),
    )
    return _dump(config)


def _schemas(base: str) -> list[dict[str, Any]]:
    found = []
    for model in (User, EnterpriseUser, Group):
        schema: Schema = model.to_schema()
        schema.meta = Meta(resource_type="Schema", location=f"{base}/Schemas/{schema.id}")
        found.append(_dump(schema))
    return found


def _resource_types(base: str) -> list[dict[str, Any]]:
    found = []
    for model in (UserResource, Group):
        resource_type = ResourceType.from_resource(model)
        resource_type.meta = Meta(resource_type="ResourceType", location=f"{base}/ResourceTypes/{resource_type.id}")
        found.append(_dump(resource_type))
    return found


def listed(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(items),
        "startIndex": 1,
        "itemsPerPage": len(items),
        "Resources": items,
    }


def schemas(base: str, schema_id: str | None = None) -> dict[str, Any]:
    return _one_or_all(_schemas(base), schema_id)


def resource_types(base: str, type_id: str | None = None) -> dict[str, Any]:
    return _one_or_all(_resource_types(base), type_id)


def _one_or_all(items: list[dict[str, Any]], wanted: str | None) -> dict[str, Any]:
    if wanted is None:
        return listed(items)
    for item in items:
        if item["id"] == wanted:
            return item
    raise ResourceNotFound(f"no such {items[0]['meta']['resourceType']}: {wanted}")
