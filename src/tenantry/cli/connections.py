"""``tenantry connections``: database user pools with their password policy (D9) and sign-up switch."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantry.core.connection import ConnectionOptions, PasswordPolicy

from .common import ACTOR, CursorOption, JsonOption, LimitOption, page_request, print_page, print_record, run

app = typer.Typer(help="Connections: user pools and how their users log in.", no_args_is_help=True)

CONNECTION_COLUMNS = (
    ("name", lambda c: c.name),
    ("id", lambda c: c.id),
    ("kind", lambda c: c.kind),
    ("owned by", lambda c: c.organization_id),
    ("min length", lambda c: c.password_policy.min_length),
    ("sign-up", lambda c: c.signup_enabled),
)


@app.command("create")
def create(
    realm: Annotated[str, typer.Argument(help="Realm name or id.")],
    name: Annotated[str, typer.Argument(help="Connection name (a lowercase slug).")],
    min_length: Annotated[
        int | None, typer.Option("--min-length", min=8, max=128, help="Shortest password accepted (default 8).")
    ] = None,
    signup: Annotated[bool, typer.Option("--signup", help="Let the hosted login offer sign-up into it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a database connection in the realm's home plane (sign-up off unless --signup)."""
    policy = PasswordPolicy(min_length=min_length) if min_length is not None else None
    options = ConnectionOptions(signup_enabled=signup)
    connection = run(
        lambda runtime: runtime.services.connections.create(
            ACTOR, realm, name=name, password_policy=policy, options=options
        )
    )
    print_record(connection, as_json=as_json, title=f"connection {connection.name} created")


@app.command("update")
def update(
    realm: Annotated[str, typer.Argument(help="Realm name or id.")],
    connection_ref: Annotated[str, typer.Argument(metavar="CONNECTION", help="Connection name or id.")],
    signup: Annotated[
        bool, typer.Option("--signup/--no-signup", help="Let the hosted login offer sign-up into this connection.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Switch sign-up on or off for a database connection."""
    changes = {"options": {"signup_enabled": signup}}
    connection = run(lambda runtime: runtime.services.connections.update(ACTOR, realm, connection_ref, changes))
    print_record(connection, as_json=as_json, title=f"connection {connection.name} updated")


@app.command("list")
def list_connections(
    realm: Annotated[str, typer.Argument(help="Realm name or id.")],
    as_json: JsonOption = False,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
) -> None:
    """List a realm's connections, including those owned by isolated organizations."""
    page = run(lambda runtime: runtime.services.connections.list(ACTOR, realm, page_request(limit, cursor)))
    print_page(page, CONNECTION_COLUMNS, as_json=as_json, title=f"Connections of {realm}")
