"""``tenantry tokens`` and ``tenantry operator token``: admin API bearer tokens, printed once."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.text import Text

from tenantry.core.admin_token import AdminToken, TokenKind

from .common import ACTOR, JsonOption, console, done, print_items, print_json, run, secret_line


class AdminKind(StrEnum):
    realm_admin = "realm_admin"
    org_admin = "org_admin"


app = typer.Typer(help="Realm-admin and org-admin tokens for the admin API.", no_args_is_help=True)
operator_app = typer.Typer(help="Operator (platform staff) credentials.", no_args_is_help=True)
operator_token_app = typer.Typer(help="Operator tokens for the admin API.", no_args_is_help=True)
operator_app.add_typer(operator_token_app, name="token")

TOKEN_COLUMNS = (
    ("id", lambda t: t.id),
    ("name", lambda t: t.name),
    ("kind", lambda t: t.kind),
    ("realm", lambda t: t.realm_id),
    ("organization", lambda t: t.organization_id),
    ("revoked", lambda t: t.revoked_at),
)


def _mint(
    kind: TokenKind, name: str, realm: str | None, org: str | None, scopes: list[str] | None, as_json: bool
) -> None:
    token, secret = run(
        lambda runtime: runtime.services.admin_tokens.create(
            ACTOR, name=name, kind=kind, realm=realm, organization=org, scopes=scopes
        )
    )
    _print_minted(token, secret, as_json)


def _print_minted(token: AdminToken, secret: str, as_json: bool) -> None:
    if as_json:
        print_json({"token": token, "secret": secret})
        return
    done(f"{token.kind} token {token.name} created ({token.id})")
    secret_line("token", secret)
    console().print(Text("The token is shown once; store it now.", style="yellow"))


@operator_token_app.command("create")
def create_operator(
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    scopes: Annotated[
        list[str] | None,
        typer.Option("--scope", help="Scope to grant, e.g. control:support; repeat (default: every scope)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an operator token (every realm; every scope unless --scope narrows it) and print it once."""
    _mint("operator", name, None, None, scopes, as_json)


@app.command("create")
def create(
    kind: Annotated[AdminKind, typer.Option("--kind", help="Token kind.")],
    realm: Annotated[str, typer.Option("--realm", help="Realm the token is bound to.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    org: Annotated[str | None, typer.Option("--org", help="Organization (org_admin tokens).")] = None,
    scopes: Annotated[
        list[str] | None, typer.Option("--scope", help="Scope to grant; repeat (default: every scope of the kind).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a realm-admin or org-admin token and print it once."""
    token_kind: TokenKind = "org_admin" if kind is AdminKind.org_admin else "realm_admin"
    _mint(token_kind, name, realm, org, scopes, as_json)


@app.command("list")
def list_tokens(as_json: JsonOption = False) -> None:
    """List admin tokens (never their values)."""
    tokens = run(lambda runtime: runtime.services.admin_tokens.list(ACTOR))
    print_items(tokens, TOKEN_COLUMNS, as_json=as_json, title="Admin tokens")


@app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="Token id (tok_...).")]) -> None:
    """Revoke a token at once."""
    token = run(lambda runtime: runtime.services.admin_tokens.revoke(ACTOR, token_id))
    done(f"token {token.name} ({token.id}) revoked")
