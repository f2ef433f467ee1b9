"""Data-plane repositories for invitations and mail tokens, bound to one (plane, realm) like every data repository.

Single use is decided by one conditional UPDATE, never a read-then-write, so two nodes racing for
the same link cannot both win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tenantry.core.invitation import Invitation, MailToken, MailTokenKind

from .paging import Page, PageRequest


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> None: ...
    async def get(self, organization_id: str, invitation_id: str) -> Invitation | None: ...
    async def by_token(self, organization_id: str, token_hash: str) -> Invitation | None: ...
    async def for_organization(self, organization_id: str, page: PageRequest) -> Page[Invitation]: ...
    async def revoke(self, organization_id: str, invitation_id: str, now: datetime) -> bool: ...
    async def accept(self, organization_id: str, invitation_id: str, user_id: str, now: datetime) -> bool:
        """Mark a pending, unexpired invitation accepted; False when it no longer is."""
        ...


class MailTokenRepository(Protocol):
    async def add(self, token: MailToken) -> None: ...
    async def get(self, kind: MailTokenKind, token_hash: str) -> MailToken | None: ...
    async def use(self, kind: MailTokenKind, token_hash: str, now: datetime) -> bool:
        """Mark an unused, unexpired token used; False when it was used, expired or is unknown."""
        ...

    async def use_all(self, kind: MailTokenKind, user_id: str, now: datetime) -> int:
        """Spend every open token of this kind for the user (a reset ends the other reset links)."""
        ...
