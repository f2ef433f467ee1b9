"""``tenantry orgs``: organizations, isolation (C3, C4), deletion (B2) and enabled connections (B4, B6)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from tenantry.bootstrap import Runtime
from tenantry.core.branding import Branding
from tenantry.core.connection import Connection
from tenantry.services.organizations import DeletionReport

from .branding import DisplayNameOption, LogoUrlOption, PrimaryColorOption, UnsetOption, edited
from .common import (
    ACTOR,
    CursorOption,
    JsonOption,
    LimitOption,
    confirm_or_abort,
    console,
    done,
    page_request,
    print_items,
    print_json,
    print_page,
    print_record,
    run,
)
from .policy import organization_policy

app = typer.Typer(help="Organizations: create, list, show, branding, policy, isolate, delete.", no_args_is_help=True)
app.command("policy")(organization_policy)
connections_app = typer.Typer(help="Connections an organization accepts logins through (B4).", no_args_is_help=True)
app.add_typer(connections_app, name="connections")

RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]
OrgArg = Annotated[str, typer.Argument(help="Organization name or id.")]
ConnectionArg = Annotated[str, typer.Argument(help="Connection name or id.")]

ORG_COLUMNS = (
    ("name", lambda o: o.name),
    ("id", lambda o: o.id),
    ("display name", lambda o: o.display_name),
    ("isolated", lambda o: o.isolated),
)


@app.command("create")
def create(
    realm: RealmArg,
    name: Annotated[str, typer.Argument(help="Organization name: 1 to 50 of a-z, 0-9, _ and -.")],
    display_name: Annotated[str | None, typer.Option("--display-name", help="Human-readable name.")] = None,
    isolated: Annotated[
        bool, typer.Option("--isolated", help="Members are exclusive; gets its own connection org-NAME.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create an organization (standard, or isolated with its own database connection)."""
    org = run(
        lambda runtime: runtime.services.organizations.create(
            ACTOR, realm, name=name, display_name=display_name, isolated=isolated
        )
    )
    print_record(org, as_json=as_json, title=f"organization {org.name} created")


@app.command("list")
def list_orgs(
    realm: RealmArg, as_json: JsonOption = False, limit: LimitOption = 50, cursor: CursorOption = None
) -> None:
    """List a realm's organizations."""
    page = run(lambda runtime: runtime.services.organizations.list(ACTOR, realm, page_request(limit, cursor)))
    print_page(page, ORG_COLUMNS, as_json=as_json, title=f"Organizations of {realm}")


@app.command("show")
def show(realm: RealmArg, org: OrgArg, as_json: JsonOption = False) -> None:
    """Show one organization with its policy and branding."""
    found = run(lambda runtime: runtime.services.organizations.get(ACTOR, realm, org))
    print_record(found, as_json=as_json, title=f"organization {found.name}")


@app.command("branding")
def branding(
    realm: RealmArg,
    org: OrgArg,
    display_name: DisplayNameOption = None,
    logo_url: LogoUrlOption = None,
    primary_color: PrimaryColorOption = None,
    unset: UnsetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the organization's branding, or change the fields given; unset fields show the realm's."""

    async def work(runtime: Runtime) -> Branding:
        current = Branding.stored((await runtime.services.organizations.get(ACTOR, realm, org)).branding)
        values = edited(current, display_name=display_name, logo_url=logo_url, primary_color=primary_color, unset=unset)
        if values is None:
            return current
        updated = await runtime.services.organizations.update(ACTOR, realm, org, {"branding": values})
        return Branding.stored(updated.branding)

    print_record(run(work), as_json=as_json, title=f"branding of organization {org}")


@app.command("isolate")
def isolate(realm: RealmArg, org: OrgArg) -> None:
    """Convert to isolated; refused while any member belongs elsewhere, listing every blocking user id."""
    found = run(lambda runtime: runtime.services.organizations.isolate(ACTOR, realm, org))
    done(f"organization {found.name} is isolated")


@app.command("delete")
def delete(
    realm: RealmArg,
    org: OrgArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would be removed.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete an organization: memberships go; an isolated organization's users and connections go too."""
    report = run(lambda runtime: runtime.services.organizations.delete(ACTOR, realm, org, dry_run=True))
    if dry_run:
        _print_report(report, as_json)
        return
    if not yes:
        _print_report(report, False)
    confirm_or_abort(f"Delete organization {org}?", yes)
    report = run(lambda runtime: runtime.services.organizations.delete(ACTOR, realm, org))
    _print_report(report, as_json)


def _print_report(report: DeletionReport, as_json: bool) -> None:
    if as_json:
        print_json(report)
        return
    verb = "removed" if report.deleted else "would remove"
    console().print(
        Text(
            f"organization {report.organization_id}: {verb} {report.memberships} memberships, "
            f"{report.users} users, {len(report.connections)} owned connections",
            style="green" if report.deleted else "yellow",
        )
    )


@connections_app.command("enable")
def enable(
    realm: RealmArg,
    org: OrgArg,
    connection: ConnectionArg,
    auto_membership: Annotated[
        bool, typer.Option("--auto-membership", help="Make users members on their first login (F1).")
    ] = False,
) -> None:
    """Let the organization's users log in through a connection; refused on identifier collisions (B6)."""
    run(
        lambda runtime: runtime.services.memberships.enable_connection(
            ACTOR, realm, org, connection, auto_membership=auto_membership
        )
    )
    done(f"connection {connection} enabled for {org}")


@connections_app.command("disable")
def disable(realm: RealmArg, org: OrgArg, connection: ConnectionArg) -> None:
    """Stop accepting logins through a connection for this organization."""
    run(lambda runtime: runtime.services.memberships.disable_connection(ACTOR, realm, org, connection))
    done(f"connection {connection} disabled for {org}")


@connections_app.command("list")
def list_enabled(realm: RealmArg, org: OrgArg, as_json: JsonOption = False) -> None:
    """List the connections enabled for an organization."""

    async def work(runtime: Runtime) -> list[tuple[Connection, bool]]:
        links = await runtime.services.memberships.connections(ACTOR, realm, org)
        get = runtime.services.connections.get
        return [(await get(ACTOR, realm, link.connection_id), link.auto_membership) for link in links]

    rows = run(work)
    items = [{"connection_id": c.id, "name": c.name, "kind": c.kind, "auto_membership": auto} for c, auto in rows]
    print_items(
        items,
        (
            ("name", lambda i: i["name"]),
            ("id", lambda i: i["connection_id"]),
            ("kind", lambda i: i["kind"]),
            ("auto membership", lambda i: i["auto_membership"]),
        ),
        as_json=as_json,
        title=f"Connections enabled for {org}",
    )
