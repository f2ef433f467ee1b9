"""Invitations of one organization (SPEC E1-E4): create (with or without email), list, read, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import EmailStr, Field

from tenantry.core.invitation import MAX_INVITATION_DAYS, Invitation

from .. import present
from ..auth import ActorDep, PageDep, ServicesDep
from ..schemas import Strict

router = APIRouter(prefix="/realms/{realm}/organizations/{org}/invitations", tags=["invitations"])


class InvitationCreate(Strict):
    email: EmailStr = Field(max_length=320)
    roles: list[str] = Field(default_factory=list, max_length=50)
    expires_in_days: int = Field(7, ge=1, le=MAX_INVITATION_DAYS, description="E1: seven days unless told.")
    application: str | None = Field(
        None, max_length=63, description="Name of the application whose login route the link opens."
    )
    send_email: bool = Field(True, description="E4: false returns the link instead of mailing it.")


def invitation(item: Invitation, now: datetime) -> dict[str, Any]:
    """Never the link's digest; the status is computed at read time (an invitation expires by itself)."""
    return {
        "id": item.id,
        "organization_id": item.organization_id,
        "email": item.email,
        "roles": item.roles,
        "inviter": item.inviter,
        "application_id": item.application_id,
        "status": item.status(now),
        "created_at": item.created_at.isoformat(),
        "expires_at": item.expires_at.isoformat(),
        "accepted_at": item.accepted_at.isoformat() if item.accepted_at else None,
        "accepted_user_id": item.accepted_user_id,
        "revoked_at": item.revoked_at.isoformat() if item.revoked_at else None,
    }


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.runtime.clock.now()
    return now


@router.post("", status_code=201)
async def create_invitation(
    realm: str, org: str, body: InvitationCreate, actor: ActorDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    """The link is returned when no email was asked for, or when the email could not be sent (E4)."""
    created = await services.invitations.create(
        actor,
        realm,
        org,
        email=body.email,
        roles=body.roles,
        expires_in_days=body.expires_in_days,
        application=body.application,
        send_email=body.send_email,
    )
    data = invitation(created.invitation, _now(request))
    data["email_sent"] = created.email_sent
    if created.email_sent is not True:
        data["link"] = created.link
    return data


@router.get("")
async def list_invitations(
    realm: str, org: str, actor: ActorDep, services: ServicesDep, page: PageDep, request: Request
) -> dict[str, Any]:
    now = _now(request)
    return present.page(await services.invitations.list(actor, realm, org, page), lambda i: invitation(i, now))


@router.get("/{invitation_id}")
async def get_invitation(
    realm: str, org: str, invitation_id: str, actor: ActorDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    return invitation(await services.invitations.get(actor, realm, org, invitation_id), _now(request))


@router.post("/{invitation_id}/revoke")
async def revoke_invitation(
    realm: str, org: str, invitation_id: str, actor: ActorDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    """The link stops working at once (E3); an accepted invitation cannot be revoked (400)."""
    return invitation(await services.invitations.revoke(actor, realm, org, invitation_id), _now(request))
