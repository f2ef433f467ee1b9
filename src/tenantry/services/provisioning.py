"""SCIM provisioning of users (SPEC H2-H7, C5): create, read, search, replace, patch, deactivate, delete.

Everything happens inside the token's connection: a user SCIM did not create, or that belongs to
another connection, does not exist for the token (404), and SCIM never adopts an account by email (H7).
A ``password`` in a payload is dropped before anything is stored: it never becomes a credential.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scim2_models import ResponseParameters

from tenantry.core.errors import Conflict
from tenantry.core.membership import Membership
from tenantry.core.scim import ScimRecord, login_identifier
from tenantry.core.user import User
from tenantry.ports.data import DataTransaction
from tenantry.protocols.scim import patch as scim_patch
from tenantry.protocols.scim.errors import ResourceNotFound, Uniqueness
from tenantry.protocols.scim.query import ListRequest, list_response
from tenantry.protocols.scim.resources import (
    Meta,
    UserFields,
    UserResource,
    parse_user,
    project,
    require_version,
    user_document,
    user_fields,
)

from .context import Ports
from .scim_scope import Rendered, ScimScope


def _meta(scope: ScimScope, user: User, record: ScimRecord) -> Meta:
    return Meta("User", user.created_at, user.updated_at, f"{scope.base}/Users/{user.id}", record.version)


def _render(
    scope: ScimScope, user: User, record: ScimRecord, groups: list[dict[str, str]], parameters: Any = None
) -> Rendered:
    meta = _meta(scope, user, record)
    document = user_document(user.id, record.attributes, not user.blocked, groups, meta)
    return Rendered(project(document, parameters, UserResource), meta.etag, meta.location)


def _groups_of(scope: ScimScope, listed: list[Any]) -> list[dict[str, str]]:
    return [
        {"value": g.id, "$ref": f"{scope.base}/Groups/{g.id}", "display": g.display_name, "type": "direct"}
        for g in listed
    ]


class ProvisioningService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def _load(self, data: DataTransaction, scope: ScimScope, user_id: str) -> tuple[User, ScimRecord]:
        record = await data.scim_users.get(scope.connection.id, user_id)
        user = await data.users.get(user_id) if record else None
        if record is None or user is None:
            raise ResourceNotFound(f"no such User: {user_id}")
        return user, record

    async def _groups(self, data: DataTransaction, scope: ScimScope, user_id: str) -> list[dict[str, str]]:
        return _groups_of(scope, (await data.scim_groups.of_users(scope.connection.id, [user_id]))[user_id])

    async def create(self, scope: ScimScope, payload: object) -> Rendered:
        fields = user_fields(parse_user(payload))
        now = self.ports.clock.now()
        user = User(
            id=self.ports.new_id("usr"),
            realm_id=scope.realm.id,
            connection_id=scope.connection.id,
            email=login_identifier(fields.user_name, fields.emails),
            created_at=now,
            updated_at=now,
            name=fields.display_name,
            given_name=fields.given_name,
            family_name=fields.family_name,
            blocked=fields.active is False,
        )
        record = ScimRecord(
            user.id, scope.realm.id, scope.connection.id, fields.user_name, 1, fields.external_id,
            fields.attributes, fields.emails,
        )  # fmt: skip
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            if await data.users.by_email(scope.connection.id, user.email):
                raise Uniqueness("a user with this identifier exists in the connection")
            with _uniqueness():
                await data.users.add(user)
                await data.scim_users.add(record)
            if scope.organization is not None:
                await data.memberships.add(Membership(scope.realm.id, scope.organization.id, user.id, now, [], "scim"))
        async with self.ports.control.transaction() as tx:
            await scope.record(tx, "scim.user_created", "user", user.id, {"active": not user.blocked})
        return _render(scope, user, record, [])

    async def get(self, scope: ScimScope, user_id: str, parameters: ResponseParameters[Any] | None) -> Rendered:
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            user, record = await self._load(data, scope, user_id)
            groups = await self._groups(data, scope, user_id)
        return _render(scope, user, record, groups, parameters)

    async def search(self, scope: ScimScope, request: ListRequest) -> dict[str, Any]:
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            found = await data.scim_users.find(scope.connection.id, request.criterion, request.window)
            records = await data.scim_users.get_many(scope.connection.id, found.ids)
            users = {user.id: user for user in await data.users.get_many(found.ids)}
            groups = await data.scim_groups.of_users(scope.connection.id, found.ids)
        documents = [
            _render(scope, users[r.user_id], r, _groups_of(scope, groups[r.user_id]), request.parameters).document
            for r in records
            if r.user_id in users
        ]
        return list_response(found.total, request.window, documents)

    async def replace(self, scope: ScimScope, user_id: str, payload: object, if_match: str | None) -> Rendered:
        """RFC 7644 3.5.1 (Okta's PUT): the resource becomes what was sent; immutable values must not change."""
        resource = parse_user(payload, replacing=True)
        return await self._rewrite(scope, user_id, if_match, lambda _: user_fields(resource))

    async def patch(self, scope: ScimScope, user_id: str, body: object, if_match: str | None) -> Rendered:
        """RFC 7644 3.5.2, atomic: the operations apply to a copy, and nothing is stored unless all succeed (H4)."""

        def patched(current: UserResource) -> UserFields:
            return user_fields(scim_patch.apply(current, body))

        return await self._rewrite(scope, user_id, if_match, patched)

    async def _rewrite(self, scope: ScimScope, user_id: str, if_match: str | None, change: Any) -> Rendered:
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            await data.lock(f"scim-user:{user_id}")
            user, record = await self._load(data, scope, user_id)
            groups = await self._groups(data, scope, user_id)
            require_version(if_match, _meta(scope, user, record))
            current = UserResource.model_validate(
                user_document(user.id, record.attributes, not user.blocked, groups, _meta(scope, user, record))
            )
            fields: UserFields = change(current)
            was_blocked = user.blocked
            await self._store(data, scope, user, record, fields, now)
        if user.blocked != was_blocked:
            async with self.ports.control.transaction() as tx:
                action = "scim.user_deactivated" if user.blocked else "scim.user_reactivated"
                await scope.record(tx, action, "user", user.id, {})
        return _render(scope, user, record, groups)

    async def _store(
        self, data: DataTransaction, scope: ScimScope, user: User, record: ScimRecord, fields: UserFields, now: Any
    ) -> None:
        """Write both halves; a deactivation ends sessions and refresh tokens in the same transaction (H5)."""
        was_blocked = user.blocked
        user.email = login_identifier(fields.user_name, fields.emails)
        user.name, user.given_name, user.family_name = fields.display_name, fields.given_name, fields.family_name
        user.blocked = fields.active is False
        user.updated_at = now
        record.user_name, record.external_id = fields.user_name, fields.external_id
        record.attributes, record.emails, record.version = fields.attributes, fields.emails, record.version + 1
        holder = await data.users.by_email(scope.connection.id, user.email)
        if holder is not None and holder.id != user.id:
            raise Uniqueness("a user with this identifier exists in the connection")
        with _uniqueness():
            await data.users.update(user)
            await data.scim_users.update(record)
        if user.blocked and not was_blocked:
            await data.sessions.revoke_for_user(user.id, now)
            await data.grants.revoke_families(now=now, user_id=user.id)

    async def delete(self, scope: ScimScope, user_id: str, if_match: str | None) -> None:
        """H5: 204, then 404. Memberships, groups, sessions and grants go with the user (C2 allows deletion)."""
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            await data.lock(f"scim-user:{user_id}")
            user, record = await self._load(data, scope, user_id)
            require_version(if_match, _meta(scope, user, record))
            await data.users.delete(user.id)
        async with self.ports.control.transaction() as tx:
            await scope.record(tx, "scim.user_deleted", "user", user.id, {})


@contextmanager
def _uniqueness() -> Iterator[None]:
    """A unique index decided a race (userName, identifier): RFC 7644's 409 ``uniqueness``."""
    try:
        yield
    except Conflict as error:
        raise Uniqueness(error.message) from error
