"""The realm's outbox (mail kept when no SMTP server is configured, SPEC E4) and sending a verification email."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tenantry.core.mail import OutboxEntry

from .. import present
from ..auth import ActorDep, PageDep, ServicesDep

router = APIRouter(prefix="/realms/{realm}", tags=["mail"])


def entry(item: OutboxEntry, *, bodies: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id,
        "realm_id": item.realm_id,
        "recipient": item.recipient,
        "subject": item.subject,
        "created_at": item.created_at.isoformat(),
    }
    if bodies:
        data["text"], data["html"] = item.text, item.html
    return data


@router.get("/outbox")
async def list_outbox(
    realm: str,
    actor: ActorDep,
    services: ServicesDep,
    page: PageDep,
    recipient: Annotated[str | None, Query(max_length=320)] = None,
) -> dict[str, Any]:
    """Oldest first, without bodies; ``recipient`` keeps one address's mail."""
    result = await services.mail.outbox(actor, realm, page, recipient.lower() if recipient else None)
    return present.page(result, lambda item: entry(item, bodies=False))


@router.get("/outbox/{message_id}")
async def get_outbox_message(realm: str, message_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return entry(await services.mail.outbox_entry(actor, realm, message_id), bodies=True)


@router.post("/users/{user_id}/verification-email", status_code=202)
async def send_verification_email(
    realm: str,
    user_id: str,
    actor: ActorDep,
    services: ServicesDep,
    connection: Annotated[str | None, Query(max_length=63)] = None,
) -> dict[str, Any]:
    """A new single-use link (one hour) to the user's email; 400 ``email_already_verified`` when there is no need."""
    sent = await services.mail_tokens.resend_verification(actor, realm, user_id, connection)
    return {"email_sent": sent}
