"""RFC 7643 User (with the enterprise extension) and Group resources: parsed, stored and rendered.

A request body is validated by scim2-models in its request context (read-only attributes dropped,
types checked). What is kept is the resource as a response would carry it, without ``id``, ``meta``,
``active``, ``groups`` and ``password``: those come from the user row, the group table or nowhere
(a SCIM ``password`` never becomes a credential, H7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scim2_models import Context, EnterpriseUser, Group, ResponseParameters, User

from tenantry.core.scim import ScimEmail

from .errors import InvalidValue, PreconditionFailed, translated

UserResource = User[EnterpriseUser]
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
DERIVED = ("schemas", "id", "meta", "groups", "password", "members")
"""Never kept from a payload; ``active`` is kept only to know it was sent, its value is the user's ``blocked``."""
MAX_EMAILS = 20


@dataclass(slots=True)
class UserFields:
    """What a User resource says, split into what the user row and the SCIM record keep."""

    user_name: str
    external_id: str | None
    active: bool | None
    display_name: str | None
    given_name: str | None
    family_name: str | None
    emails: list[ScimEmail]
    attributes: dict[str, Any]


def _stored(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in DERIVED}


def user_fields(resource: UserResource) -> UserFields:
    document = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    if not resource.user_name:
        raise InvalidValue("userName is required")
    emails = [
        ScimEmail(str(email.value), str(email.type.value) if email.type else None, bool(email.primary))
        for email in resource.emails or []
        if email.value
    ]
    if len(emails) > MAX_EMAILS:
        raise InvalidValue(f"a user has at most {MAX_EMAILS} emails")
    name = resource.name
    return UserFields(
        user_name=resource.user_name,
        external_id=resource.external_id,
        active=resource.active,
        display_name=resource.display_name or (name.formatted if name else None),
        given_name=name.given_name if name else None,
        family_name=name.family_name if name else None,
        emails=emails,
        attributes=_stored(document),
    )


def parse_user(payload: object, *, replacing: bool = False) -> UserResource:
    context = Context.RESOURCE_REPLACEMENT_REQUEST if replacing else Context.RESOURCE_CREATION_REQUEST
    with translated():
        return UserResource.model_validate(payload, scim_ctx=context)


def parse_group(payload: object, *, replacing: bool = False) -> Group:
    context = Context.RESOURCE_REPLACEMENT_REQUEST if replacing else Context.RESOURCE_CREATION_REQUEST
    with translated():
        group = Group.model_validate(payload, scim_ctx=context)
    if not group.display_name:
        raise InvalidValue("displayName is required")
    return group


def members(group: Group) -> dict[str, str | None]:
    """Member user id → the ``display`` sent; members are users of the token's connection, never groups."""
    found: dict[str, str | None] = {}
    for member in group.members or []:
        if member.type is not None and str(member.type).lower() == "group":
            raise InvalidValue("groups cannot be members of groups here")
        if member.value:
            found[str(member.value)] = member.display
    return found


@dataclass(frozen=True, slots=True)
class Meta:
    resource_type: str
    created: datetime
    last_modified: datetime
    location: str
    version: int

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'

    def render(self) -> dict[str, str]:
        return {
            "resourceType": self.resource_type,
            "created": _instant(self.created),
            "lastModified": _instant(self.last_modified),
            "location": self.location,
            "version": self.etag,
        }


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def user_document(
    resource_id: str, attributes: dict[str, Any], active: bool, groups: list[dict[str, str]], meta: Meta
) -> dict[str, Any]:
    schemas = [USER_SCHEMA] + ([ENTERPRISE_SCHEMA] if ENTERPRISE_SCHEMA in attributes else [])
    document: dict[str, Any] = {"schemas": schemas, "id": resource_id, **attributes}
    if not active or "active" in attributes:
        document["active"] = active
    if groups:
        document["groups"] = groups
    document["meta"] = meta.render()
    return document


def group_document(
    resource_id: str, display_name: str, external_id: str | None, members: list[dict[str, str]], meta: Meta
) -> dict[str, Any]:
    document: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": resource_id, "displayName": display_name}
    if external_id is not None:
        document["externalId"] = external_id
    if members:
        document["members"] = members
    document["meta"] = meta.render()
    return document


def project(document: dict[str, Any], parameters: ResponseParameters[Any] | None, model: type[Any]) -> dict[str, Any]:
    """RFC 7644 3.4.2.5 ``attributes`` / ``excludedAttributes``; the whole document when neither is given."""
    if parameters is None or not (parameters.attributes or parameters.excluded_attributes):
        return document
    with translated():
        resource = model.model_validate(document)
        projected: dict[str, Any] = resource.model_dump(
            scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters
        )
    return projected


def require_version(if_match: str | None, meta: Meta) -> None:
    """RFC 7644 3.14: a write with ``If-Match`` applies only to the version it names (412 otherwise, H6)."""
    if if_match is None:
        return
    wanted = {tag.strip() for tag in if_match.split(",")}
    if "*" not in wanted and meta.etag not in wanted and meta.etag.removeprefix("W/") not in wanted:
        raise PreconditionFailed(f"the resource is at version {meta.etag}")
