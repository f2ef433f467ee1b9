"""``tenantry roles``: roles and permissions per realm (B5)."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import ACTOR, CursorOption, JsonOption, LimitOption, done, page_request, print_page, print_record, run

app = typer.Typer(help="Roles of a realm: create, list, delete.", no_args_is_help=True)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]

ROLE_COLUMNS = (
    ("name", lambda r: r.name),
    ("id", lambda r: r.id),
    ("permissions", lambda r: r.permissions),
    ("description", lambda r: r.description),
)


@app.command("create")
def create(
    realm: RealmArg,
    name: Annotated[str, typer.Argument(help="Role name (a lowercase slug).")],
    permissions: Annotated[
        list[str] | None, typer.Option("--permission", help="Permission, e.g. invoices:read; repeat for several.")
    ] = None,
    description: Annotated[str, typer.Option("--description", help="What the role is for.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Create a role."""
    role = run(
        lambda runtime: runtime.services.roles.create(
            ACTOR, realm, name=name, description=description, permissions=permissions or []
        )
    )
    print_record(role, as_json=as_json, title=f"role {role.name} created")


@app.command("list")
def list_roles(
    realm: RealmArg, as_json: JsonOption = False, limit: LimitOption = 50, cursor: CursorOption = None
) -> None:
    """List a realm's roles."""
    page = run(lambda runtime: runtime.services.roles.list(ACTOR, realm, page_request(limit, cursor)))
    print_page(page, ROLE_COLUMNS, as_json=as_json, title=f"Roles of {realm}")


@app.command("delete")
def delete(realm: RealmArg, name: Annotated[str, typer.Argument(help="Role name or id.")]) -> None:
    """Delete a role; every membership holding it loses it."""
    run(lambda runtime: runtime.services.roles.delete(ACTOR, realm, name))
    done(f"role {name} deleted")
