"""``tenantry outbox``: mail kept when no SMTP server is configured (SPEC E4), per realm."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from .common import ACTOR, CursorOption, JsonOption, LimitOption, console, page_request, print_json, print_page, run

app = typer.Typer(help="The outbox: mail kept instead of sent when TENANTRY_SMTP_URL is unset.", no_args_is_help=True)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]

COLUMNS = (
    ("id", lambda m: m.id),
    ("to", lambda m: m.recipient),
    ("subject", lambda m: m.subject),
    ("created", lambda m: m.created_at),
)


@app.command("list")
def list_outbox(
    realm: RealmArg,
    recipient: Annotated[str | None, typer.Option("--to", help="Only mail to this address.")] = None,
    as_json: JsonOption = False,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
) -> None:
    """List the realm's kept mail, oldest first."""
    page = run(
        lambda runtime: runtime.services.mail.outbox(
            ACTOR, realm, page_request(limit, cursor), recipient.lower() if recipient else None
        )
    )
    print_page(page, COLUMNS, as_json=as_json, title=f"Outbox of {realm}")


@app.command("show")
def show(
    realm: RealmArg,
    message_id: Annotated[str, typer.Argument(help="Message id (msg_...).")],
    html: Annotated[bool, typer.Option("--html", help="Print the HTML body instead of the text body.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Print one message: its headers and its text (or HTML) body."""
    entry = run(lambda runtime: runtime.services.mail.outbox_entry(ACTOR, realm, message_id))
    if as_json:
        print_json(entry)
        return
    out = console()
    for label, value in (("To", entry.recipient), ("Subject", entry.subject), ("Date", entry.created_at.isoformat())):
        out.print(Text(f"{label}: ", style="bold") + Text(value), soft_wrap=True)
    out.print()
    out.print(Text(entry.html if html else entry.text), soft_wrap=True)
