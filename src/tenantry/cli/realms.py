"""``tenantry realms``: the hard isolation unit (SPEC A) and its breached-password list (D9)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tenantry.bootstrap import Runtime
from tenantry.core.branding import Branding

from .branding import DisplayNameOption, LogoUrlOption, PrimaryColorOption, UnsetOption, edited
from .common import (
    ACTOR,
    CursorOption,
    JsonOption,
    LimitOption,
    confirm_or_abort,
    done,
    page_request,
    print_page,
    print_record,
    run,
)
from .policy import realm_policy

app = typer.Typer(help="Realms: create, list, show, branding, policy, delete.", no_args_is_help=True)
app.command("policy")(realm_policy)
RealmRef = Annotated[str, typer.Argument(help="Realm name or id.")]

REALM_COLUMNS = (
    ("name", lambda r: r.name),
    ("id", lambda r: r.id),
    ("display name", lambda r: r.display_name),
    ("custom domain", lambda r: r.custom_domain),
    ("created", lambda r: r.created_at),
)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Realm name: a lowercase slug, part of the issuer URL.")],
    display_name: Annotated[str | None, typer.Option("--display-name", help="Human-readable name.")] = None,
    custom_domain: Annotated[str | None, typer.Option("--custom-domain", help="Host name bound to this realm.")] = None,
    plane: Annotated[str | None, typer.Option("--plane", help="Home data plane (default: shared).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a realm."""
    realm = run(
        lambda runtime: runtime.services.realms.create(
            ACTOR, name=name, display_name=display_name, custom_domain=custom_domain, plane=plane
        )
    )
    print_record(realm, as_json=as_json, title=f"realm {realm.name} created")


@app.command("list")
def list_realms(as_json: JsonOption = False, limit: LimitOption = 50, cursor: CursorOption = None) -> None:
    """List realms."""
    page = run(lambda runtime: runtime.services.realms.list(ACTOR, page_request(limit, cursor)))
    print_page(page, REALM_COLUMNS, as_json=as_json, title="Realms")


@app.command("show")
def show(ref: RealmRef, as_json: JsonOption = False) -> None:
    """Show one realm with its settings and policy."""
    realm = run(lambda runtime: runtime.services.realms.get(ACTOR, ref))
    print_record(realm, as_json=as_json, title=f"realm {realm.name}")


@app.command("branding")
def branding(
    ref: RealmRef,
    display_name: DisplayNameOption = None,
    logo_url: LogoUrlOption = None,
    primary_color: PrimaryColorOption = None,
    unset: UnsetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the hosted pages' branding, or change the fields given; organizations override it field by field."""

    async def work(runtime: Runtime) -> Branding:
        current = (await runtime.services.realms.get(ACTOR, ref)).settings.branding
        values = edited(current, display_name=display_name, logo_url=logo_url, primary_color=primary_color, unset=unset)
        if values is None:
            return current
        updated = await runtime.services.realms.update(ACTOR, ref, {"settings": {"branding": values}})
        return updated.settings.branding

    print_record(run(work), as_json=as_json, title=f"branding of realm {ref}")


@app.command("delete")
def delete(
    ref: RealmRef, yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False
) -> None:
    """Delete a realm with its configuration and every user in it."""
    confirm_or_abort(f"Delete realm {ref} and every user in it?", yes)
    run(lambda runtime: runtime.services.realms.delete(ACTOR, ref))
    done(f"realm {ref} deleted")


@app.command("breached-import")
def breached_import(
    ref: RealmRef,
    file: Annotated[
        Path, typer.Argument(help="Text file, one password per line.", exists=True, dir_okay=False, readable=True)
    ],
) -> None:
    """Add passwords to the realm's breached list (stored as SHA-1 digests only)."""
    lines = file.read_text(encoding="utf-8").splitlines()
    passwords = [line for line in lines if line]
    added = run(lambda runtime: runtime.services.realms.add_breached_passwords(ACTOR, ref, passwords))
    done(f"{added} new breached passwords added to realm {ref} ({len(passwords)} read)")
