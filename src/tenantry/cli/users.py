"""``tenantry users``: users of a realm, created in their connection's data plane."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import (
    ACTOR,
    CursorOption,
    JsonOption,
    LimitOption,
    confirm_or_abort,
    done,
    page_request,
    print_items,
    print_page,
    print_record,
    run,
)

app = typer.Typer(help="Users: create, list, show, block, factors, reset-factors, delete.", no_args_is_help=True)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]
UserArg = Annotated[str, typer.Argument(help="User id (usr_...).")]

USER_COLUMNS = (
    ("id", lambda u: u.id),
    ("email", lambda u: u.email),
    ("name", lambda u: u.name),
    ("blocked", lambda u: u.blocked),
)


@app.command("create")
def create(
    realm: RealmArg,
    connection: Annotated[str, typer.Option("--connection", help="Database connection name or id.")],
    email: Annotated[str, typer.Option("--email", help="Email address (unique per connection).")],
    password: Annotated[
        str | None, typer.Option("--password", help="Initial password; asked for (hidden) when omitted.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Full name.")] = None,
    verified: Annotated[bool, typer.Option("--verified", help="Mark the email as verified.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a user with a password in a database connection."""
    secret = password if password is not None else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = run(
        lambda runtime: runtime.services.users.create(
            ACTOR, realm, connection=connection, email=email, password=secret, name=name, email_verified=verified
        )
    )
    print_record(user, as_json=as_json, title=f"user {user.email} created")


@app.command("list")
def list_users(
    realm: RealmArg,
    email: Annotated[str | None, typer.Option("--email", help="Only users with this email.")] = None,
    connection: Annotated[
        str | None, typer.Option("--connection", help="List this connection's plane instead of the home plane.")
    ] = None,
    as_json: JsonOption = False,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
) -> None:
    """List users of the realm's home plane (or of one connection); planes are never searched together."""
    page = run(
        lambda runtime: runtime.services.users.list(
            ACTOR, realm, page_request(limit, cursor), email=email, connection=connection
        )
    )
    print_page(page, USER_COLUMNS, as_json=as_json, title=f"Users of {realm}")


@app.command("show")
def show(realm: RealmArg, user_id: UserArg, as_json: JsonOption = False) -> None:
    """Show one user."""
    user, _plane = run(lambda runtime: runtime.services.users.get(ACTOR, realm, user_id))
    print_record(user, as_json=as_json, title=f"user {user.email}")


def _set_blocked(realm: str, user_id: str, blocked: bool) -> None:
    run(lambda runtime: runtime.services.users.update(ACTOR, realm, user_id, {"blocked": blocked}))
    done(f"user {user_id} {'blocked' if blocked else 'unblocked'}")


@app.command("block")
def block(realm: RealmArg, user_id: UserArg) -> None:
    """Block a user: no new logins."""
    _set_blocked(realm, user_id, True)


@app.command("unblock")
def unblock(realm: RealmArg, user_id: UserArg) -> None:
    """Unblock a user."""
    _set_blocked(realm, user_id, False)


@app.command("delete")
def delete(realm: RealmArg, user_id: UserArg) -> None:
    """Delete a user with its memberships (allowed in isolated organizations too, C2)."""
    run(lambda runtime: runtime.services.users.delete(ACTOR, realm, user_id))
    done(f"user {user_id} deleted")


@app.command("factors")
def factors(realm: RealmArg, user_id: UserArg, as_json: JsonOption = False) -> None:
    """List a user's second factors (never their secrets) and how many recovery codes are left."""
    summary = run(lambda runtime: runtime.services.factors.list(ACTOR, realm, user_id))
    print_items(
        summary.factors,
        (("id", lambda f: f.id), ("kind", lambda f: f.kind), ("label", lambda f: f.label)),
        as_json=as_json,
        title=f"Factors of {user_id} ({summary.recovery_codes_left} recovery codes left)",
    )


@app.command("reset-factors")
def reset_factors(
    realm: RealmArg,
    user_id: UserArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove every second factor and recovery code of a user (audited); the user enrols again (S9).

    There is no command that sets a user's password: an admin resets factors, never chooses a credential.
    """
    confirm_or_abort(f"Remove every second factor of {user_id}?", yes)
    removed = run(lambda runtime: runtime.services.factors.reset(ACTOR, realm, user_id))
    done(f"{removed} factor(s) of user {user_id} removed; recovery codes cleared")
