"""``tenantry apps``: OIDC applications; the client secret is printed once (D1, S1)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.text import Text

from .common import (
    ACTOR,
    CursorOption,
    JsonOption,
    LimitOption,
    console,
    page_request,
    print_json,
    print_page,
    run,
    secret_line,
)


class Grant(StrEnum):
    authorization_code = "authorization_code"
    refresh_token = "refresh_token"  # noqa: S105 - a grant type name, not a secret
    client_credentials = "client_credentials"


class OrgUsage(StrEnum):
    """SPEC D1: organization usage of an application."""

    deny = "deny"
    allow = "allow"
    require = "require"


class OrgPrompt(StrEnum):
    """SPEC D1: when to ask for the organization."""

    none = "none"
    before_login = "before_login"
    after_login = "after_login"


app = typer.Typer(help="Applications (OIDC clients): create, list.", no_args_is_help=True)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]

APP_COLUMNS = (
    ("name", lambda a: a.name),
    ("client id", lambda a: a.client_id),
    ("public", lambda a: a.public),
    ("org usage", lambda a: a.organization_usage),
    ("redirect URIs", lambda a: a.redirect_uris),
)


@app.command("create")
def create(
    realm: RealmArg,
    name: Annotated[str, typer.Argument(help="Application name (a lowercase slug).")],
    redirect_uris: Annotated[
        list[str] | None, typer.Option("--redirect-uri", help="Allowed redirect URI; repeat for several.")
    ] = None,
    post_logout_uris: Annotated[
        list[str] | None, typer.Option("--post-logout-uri", help="Allowed post-logout redirect URI.")
    ] = None,
    public: Annotated[bool, typer.Option("--public", help="A public client (no secret, PKCE only).")] = False,
    grants: Annotated[
        list[Grant] | None,
        typer.Option("--grant", help="Grant type; repeat for several (default: authorization_code, refresh_token)."),
    ] = None,
    org_usage: Annotated[
        OrgUsage, typer.Option("--org-usage", help="Whether logins may, must or must not name an organization.")
    ] = OrgUsage.deny,
    org_prompt: Annotated[
        OrgPrompt, typer.Option("--org-prompt", help="When the organization picker is shown.")
    ] = OrgPrompt.none,
    as_json: JsonOption = False,
) -> None:
    """Register an OIDC application and print its client id and secret (shown this once)."""
    config: dict[str, Any] = {
        "redirect_uris": redirect_uris or [],
        "post_logout_redirect_uris": post_logout_uris or [],
        "organization_usage": org_usage.value,
        "organization_prompt": org_prompt.value,
    }
    if grants:
        config["grant_types"] = [grant.value for grant in grants]
    application, secret = run(
        lambda runtime: runtime.services.applications.create(ACTOR, realm, name=name, public=public, **config)
    )
    if as_json:
        print_json({"application": application, "client_secret": secret})
        return
    out = console()
    out.print(Text(f"application {application.name} created ({application.id})", style="green"))
    secret_line("client_id", application.client_id)
    if secret is not None:
        secret_line("client_secret", secret)
        out.print(Text("The secret is shown once; store it now.", style="yellow"))


@app.command("list")
def list_apps(
    realm: RealmArg, as_json: JsonOption = False, limit: LimitOption = 50, cursor: CursorOption = None
) -> None:
    """List a realm's applications."""
    page = run(lambda runtime: runtime.services.applications.list(ACTOR, realm, page_request(limit, cursor)))
    print_page(page, APP_COLUMNS, as_json=as_json, title=f"Applications of {realm}")
