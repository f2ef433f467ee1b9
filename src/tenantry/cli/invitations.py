"""``tenantry invitations``: invite someone to an organization, list and revoke invitations (SPEC E1-E4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from tenantry.bootstrap import Runtime
from tenantry.core.invitation import Invitation
from tenantry.ports.paging import Page

from .common import (
    ACTOR,
    CursorOption,
    JsonOption,
    LimitOption,
    done,
    page_request,
    print_json,
    print_page,
    run,
    secret_line,
)

app = typer.Typer(help="Invitations to an organization: create, list, revoke.", no_args_is_help=True)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]
OrgArg = Annotated[str, typer.Argument(help="Organization name or id.")]


@app.command("create")
def create(
    realm: RealmArg,
    org: OrgArg,
    email: Annotated[str, typer.Argument(help="The address to invite.")],
    roles: Annotated[list[str] | None, typer.Option("--role", help="Role name; repeat for several.")] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=30, help="Days until the invitation expires.")] = 7,
    application: Annotated[
        str | None, typer.Option("--application", help="Application whose login route the link opens.")
    ] = None,
    no_email: Annotated[bool, typer.Option("--no-email", help="Print the link instead of mailing it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Invite an email address to an organization with roles; the link is printed when it was not mailed."""
    created = run(
        lambda runtime: runtime.services.invitations.create(
            ACTOR,
            realm,
            org,
            email=email,
            roles=roles or [],
            expires_in_days=days,
            application=application,
            send_email=not no_email,
        )
    )
    if as_json:
        shown = {"invitation": created.invitation, "email_sent": created.email_sent}
        print_json(shown | ({"link": created.link} if created.email_sent is not True else {}))
        return
    done(f"{created.invitation.id}: {created.invitation.email} invited to {org}")
    if created.email_sent is False:
        typer.echo("The email could not be sent; deliver the link yourself.")
    if created.email_sent is not True:
        secret_line("link", created.link)


@app.command("list")
def list_invitations(
    realm: RealmArg, org: OrgArg, as_json: JsonOption = False, limit: LimitOption = 50, cursor: CursorOption = None
) -> None:
    """List an organization's invitations with their status."""

    async def work(runtime: Runtime) -> tuple[Page[Invitation], datetime]:
        page = await runtime.services.invitations.list(ACTOR, realm, org, page_request(limit, cursor))
        return page, runtime.clock.now()

    page, now = run(work)
    columns = (
        ("id", lambda i: i.id),
        ("email", lambda i: i.email),
        ("roles", lambda i: i.roles),
        ("status", lambda i: i.status(now)),
        ("expires", lambda i: i.expires_at),
    )
    print_page(page, columns, as_json=as_json, title=f"Invitations to {org}")


@app.command("revoke")
def revoke(realm: RealmArg, org: OrgArg, invitation_id: Annotated[str, typer.Argument(help="inv_...")]) -> None:
    """Revoke a pending invitation: its link stops working at once."""
    run(lambda runtime: runtime.services.invitations.revoke(ACTOR, realm, org, invitation_id))
    done(f"{invitation_id} revoked")
