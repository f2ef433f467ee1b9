"""The ``tenantry`` command: one Typer app assembled from one module per command group."""

from __future__ import annotations

import typer

from . import (
    apps,
    audit,
    connections,
    customers,
    demo,
    domains,
    hooks,
    invitations,
    keys,
    members,
    organizations,
    outbox,
    passwords,
    planes,
    realms,
    roles,
    saml,
    scim,
    serve,
    settings,
    tokens,
    users,
)

HELP = "\n\n".join(
    (
        "Tenantry: a self-hostable, multi-tenant identity platform.",
        'Commands act locally as the operator "cli", through the same services as the admin API, '
        "on the databases named by the TENANTRY_* environment (see `tenantry settings`).",
        "Exit codes: 0 success; 1 a refusal, printed in red as `error <code>: <message>` with its details "
        "(also used for objects not found, a broken audit chain and an unverified domain); 2 a usage error.",
    )
)

app = typer.Typer(name="tenantry", help=HELP, no_args_is_help=True, add_completion=False)
app.command("serve")(serve.serve)
app.command("migrate")(planes.migrate)
app.command("settings")(settings.show_settings)
app.add_typer(planes.app, name="planes")
app.add_typer(customers.app, name="customer")
app.add_typer(realms.app, name="realms")
app.add_typer(connections.app, name="connections")
app.add_typer(users.app, name="users")
app.add_typer(organizations.app, name="orgs")
app.add_typer(members.app, name="members")
app.add_typer(roles.app, name="roles")
app.add_typer(domains.app, name="domains")
app.add_typer(invitations.app, name="invitations")
app.add_typer(outbox.app, name="outbox")
app.add_typer(apps.app, name="apps")
app.add_typer(hooks.app, name="hooks")
app.add_typer(saml.app, name="saml")
app.add_typer(keys.app, name="keys")
app.add_typer(tokens.app, name="tokens")
app.add_typer(tokens.operator_app, name="operator")
app.add_typer(scim.app, name="scim")
app.add_typer(audit.app, name="audit")
app.add_typer(passwords.app, name="passwords")
app.add_typer(demo.app, name="demo")

if __name__ == "__main__":  # pragma: no cover
    app()
