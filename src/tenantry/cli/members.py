"""``tenantry members``: memberships of an organization and their roles (B3, B5, C1, C2)."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import ACTOR, CursorOption, JsonOption, LimitOption, done, page_request, print_page, print_record, run

app = typer.Typer(help="Members of an organization: add, remove, list, set roles.", no_args_is_help=True)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]
OrgArg = Annotated[str, typer.Argument(help="Organization name or id.")]
UserArg = Annotated[str, typer.Argument(help="User id (usr_...).")]
RolesOption = Annotated[list[str] | None, typer.Option("--role", help="Role name; repeat for several.")]

MEMBER_COLUMNS = (
    ("user", lambda m: m.user_id),
    ("roles", lambda m: m.roles),
    ("source", lambda m: m.source),
    ("since", lambda m: m.created_at),
)


@app.command("add")
def add(realm: RealmArg, org: OrgArg, user_id: UserArg, roles: RolesOption = None, as_json: JsonOption = False) -> None:
    """Add a user to an organization with roles."""
    membership = run(lambda runtime: runtime.services.memberships.add(ACTOR, realm, org, user_id, roles or []))
    print_record(membership, as_json=as_json, title=f"{user_id} added to {org}")


@app.command("remove")
def remove(realm: RealmArg, org: OrgArg, user_id: UserArg) -> None:
    """Remove a member (refused in isolated organizations: delete the user instead)."""
    run(lambda runtime: runtime.services.memberships.remove(ACTOR, realm, org, user_id))
    done(f"{user_id} removed from {org}")


@app.command("list")
def list_members(
    realm: RealmArg, org: OrgArg, as_json: JsonOption = False, limit: LimitOption = 50, cursor: CursorOption = None
) -> None:
    """List an organization's members."""
    page = run(lambda runtime: runtime.services.memberships.list(ACTOR, realm, org, page_request(limit, cursor)))
    print_page(page, MEMBER_COLUMNS, as_json=as_json, title=f"Members of {org}")


@app.command("roles")
def set_roles(realm: RealmArg, org: OrgArg, user_id: UserArg, roles: RolesOption = None) -> None:
    """Replace a member's roles (no --role clears them)."""
    membership = run(lambda runtime: runtime.services.memberships.set_roles(ACTOR, realm, org, user_id, roles or []))
    done(f"{user_id} in {org}: roles {', '.join(membership.roles) or '(none)'}")
