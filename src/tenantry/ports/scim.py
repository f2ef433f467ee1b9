"""What SCIM provisioning needs from storage: provisioned users, groups, tokens, and filter criteria.

A SCIM filter reaches storage as a ``Criterion`` tree over a closed set of fields, so each backend
turns it into indexed SQL without knowing SCIM's grammar (SPEC H3). Every repository is bound to a
realm and every method takes the connection: a token never sees another connection's rows (H7).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Literal, Protocol

from tenantry.core.scim import ScimGroup, ScimRecord, ScimToken

UserField = Literal[
    "id",
    "user_name",
    "external_id",
    "display_name",
    "given_name",
    "family_name",
    "active",
    "created",
    "last_modified",
]
EmailField = Literal["email.value", "email.type", "email.primary"]
GroupField = Literal["id", "display_name", "external_id", "created", "last_modified"]
MemberField = Literal["member.value"]
Operator = Literal["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]


@dataclass(frozen=True, slots=True)
class Compare:
    """``field op value``; values of case-insensitive fields arrive already in their key form."""

    field: str
    op: Operator
    value: object


@dataclass(frozen=True, slots=True)
class Present:
    field: str


@dataclass(frozen=True, slots=True)
class AllOf:
    terms: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    terms: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Negation:
    term: Criterion


@dataclass(frozen=True, slots=True)
class AnyValue:
    """Some value of a multi-valued attribute (``emails``, ``members``) matches ``term`` as a whole."""

    attribute: Literal["emails", "members"]
    term: Criterion


Criterion = Compare | Present | AllOf | AnyOf | Negation | AnyValue


@dataclass(frozen=True, slots=True)
class Window:
    """RFC 7644 3.4.2.4: ``startIndex`` is 1-based; ``count`` may be 0 (the total only)."""

    start_index: int = 1
    count: int = 100


@dataclass(slots=True)
class Found:
    total: int
    ids: list[str]


class ScimUserRepository(Protocol):
    """``emails`` of a record are written (one indexed row each, for filters) but not read back:
    the resource's ``attributes`` already hold them, and every write recomputes them from the resource."""

    async def add(self, record: ScimRecord) -> None: ...
    async def get(self, connection_id: str, user_id: str) -> ScimRecord | None: ...
    async def get_many(self, connection_id: str, user_ids: builtins.list[str]) -> builtins.list[ScimRecord]: ...
    async def update(self, record: ScimRecord) -> None: ...
    async def find(self, connection_id: str, criterion: Criterion | None, window: Window) -> Found: ...
    async def is_provisioned(self, user_id: str) -> bool: ...


class ScimGroupRepository(Protocol):
    async def add(self, group: ScimGroup) -> None: ...
    async def get(self, connection_id: str, group_id: str) -> ScimGroup | None: ...
    async def get_many(self, connection_id: str, group_ids: builtins.list[str]) -> builtins.list[ScimGroup]: ...
    async def update(self, group: ScimGroup) -> None:
        """Write the group and make its members exactly ``group.member_ids``."""
        ...

    async def delete(self, connection_id: str, group_id: str) -> None: ...
    async def find(self, connection_id: str, criterion: Criterion | None, window: Window) -> Found: ...
    async def of_users(self, connection_id: str, user_ids: builtins.list[str]) -> dict[str, builtins.list[ScimGroup]]:
        """Each user's groups (without their member lists), for the read-only ``groups`` attribute and H8."""
        ...


class ScimTokenRepository(Protocol):
    async def add(self, token: ScimToken) -> None: ...
    async def by_hash(self, token_hash: str) -> ScimToken | None: ...
    async def get(self, realm_id: str, token_id: str) -> ScimToken | None: ...
    async def for_connection(self, realm_id: str, connection_id: str) -> builtins.list[ScimToken]: ...
    async def update(self, token: ScimToken) -> None: ...
