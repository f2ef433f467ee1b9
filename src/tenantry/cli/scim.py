"""``tenantry scim``: SCIM tokens (shown once, rotated, revoked) and per-connection SCIM settings (H1, H8, H9)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.text import Text

from tenantry.core.scim import ScimToken

from .common import ACTOR, JsonOption, console, done, fail, print_items, print_json, print_record, run, secret_line

app = typer.Typer(help="SCIM 2.0 provisioning: tokens and settings per connection.", no_args_is_help=True)
tokens_app = typer.Typer(help="SCIM bearer tokens of a connection.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")

RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]
ConnectionArg = Annotated[str, typer.Argument(metavar="CONNECTION", help="Connection name or id.")]
TOKEN_COLUMNS = (
    ("id", lambda t: t.id),
    ("name", lambda t: t.name),
    ("organization", lambda t: t.organization_id),
    ("created", lambda t: t.created_at),
    ("revoked", lambda t: t.revoked_at),
)


def _shown(token: ScimToken) -> dict[str, object]:
    """A token without its digest: nothing derived from the secret leaves the service."""
    return {key: value for key, value in asdict(token).items() if key != "token_hash"}


def _print_minted(token: ScimToken, secret: str, base_url: str, as_json: bool) -> None:
    if as_json:
        print_json({"token": _shown(token), "secret": secret, "base_url": base_url})
        return
    done(f"SCIM token {token.name} ({token.id}) for connection {token.connection_id}")
    secret_line("SCIM base URL", base_url)
    secret_line("token", secret)
    console().print(Text("The token is shown once; store it in the identity provider now.", style="yellow"))


def _base_url(realm: str, connection: str) -> str:
    return run(lambda runtime: runtime.services.scim_settings.get(ACTOR, realm, connection))[1]


@tokens_app.command("create")
def create(
    realm: RealmArg,
    connection: ConnectionArg,
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. entra or okta.")],
    org: Annotated[str | None, typer.Option("--org", help="Organization its users become members of.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a SCIM token for the connection and print it once with the SCIM base URL."""
    token, secret = run(
        lambda runtime: runtime.services.scim_tokens.create(ACTOR, realm, connection, name=name, organization=org)
    )
    _print_minted(token, secret, _base_url(realm, connection), as_json)


@tokens_app.command("rotate")
def rotate(realm: RealmArg, connection: ConnectionArg, token_id: str, as_json: JsonOption = False) -> None:
    """Replace a token: the new one is printed once, the old one stops working at once."""
    token, secret = run(lambda runtime: runtime.services.scim_tokens.rotate(ACTOR, realm, connection, token_id))
    _print_minted(token, secret, _base_url(realm, connection), as_json)


@tokens_app.command("revoke")
def revoke(realm: RealmArg, connection: ConnectionArg, token_id: str) -> None:
    """Revoke a token at once."""
    token = run(lambda runtime: runtime.services.scim_tokens.revoke(ACTOR, realm, connection, token_id))
    done(f"SCIM token {token.name} ({token.id}) revoked")


@tokens_app.command("list")
def list_tokens(realm: RealmArg, connection: ConnectionArg, as_json: JsonOption = False) -> None:
    """List the connection's SCIM tokens (never their values)."""
    found = run(lambda runtime: runtime.services.scim_tokens.list(ACTOR, realm, connection))
    if as_json:
        print_json({"items": [_shown(token) for token in found]})
        return
    print_items(found, TOKEN_COLUMNS, as_json=False, title=f"SCIM tokens of {connection}")


def _group_roles(values: list[str]) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {}
    for value in values:
        group, sep, roles = value.partition("=")
        if not sep or not group.strip():
            fail("invalid_group_roles", f"expected GROUP=role[,role...], got {value!r}")
        mapping[group.strip()] = [role.strip() for role in roles.split(",") if role.strip()]
    return mapping


@app.command("configure")
def configure(
    realm: RealmArg,
    connection: ConnectionArg,
    authoritative: Annotated[
        bool | None,
        typer.Option("--authoritative/--not-authoritative", help="Refuse logins by users SCIM never created."),
    ] = None,
    group_roles: Annotated[
        list[str] | None,
        typer.Option("--group-role", help="GROUP=role[,role...]; repeat. Replaces the whole mapping."),
    ] = None,
    clear_group_roles: Annotated[bool, typer.Option("--clear-group-roles", help="Map no group to any role.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Change the connection's SCIM settings; prints them with the SCIM base URL."""
    mapping = {} if clear_group_roles else (_group_roles(group_roles) if group_roles else None)
    connection_now, base_url = run(
        lambda runtime: runtime.services.scim_settings.update(
            ACTOR, realm, connection, authoritative=authoritative, group_roles=mapping
        )
    )
    shown = {
        "connection": connection_now.name,
        "base_url": base_url,
        "authoritative": connection_now.scim_authoritative,
        "group_roles": connection_now.scim_group_roles,
    }
    print_record(shown, as_json=as_json, title=f"SCIM settings of {connection_now.name}")
