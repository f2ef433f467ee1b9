"""``tenantry audit``: verify the hash chains and read a realm's audit log (L9)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from .common import ACTOR, CursorOption, JsonOption, console, fail, page_request, print_json, print_page, run, table

app = typer.Typer(help="The tamper-evident audit log: verify, list.", no_args_is_help=True)

EVENT_COLUMNS = (
    ("seq", lambda e: e.seq),
    ("at", lambda e: e.at),
    ("actor", lambda e: e.actor),
    ("action", lambda e: e.action),
    ("target", lambda e: f"{e.target_type} {e.target_id}"),
)


@app.command("verify")
def verify(
    stream: Annotated[
        str | None, typer.Option("--stream", help="Only this stream, e.g. platform or realm:rlm_...")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Walk each stream's hash chain; name the first broken link and exit 1 if any."""
    checks = run(lambda runtime: runtime.services.audit.verify(stream))
    broken = [check for check in checks if not check.ok]
    if as_json:
        print_json({"ok": not broken, "streams": [check.as_dict() for check in checks]})
    else:
        grid = table("Audit chains", ["stream", "events", "status"])
        for check in checks:
            problem = check.problem()
            status = Text("OK", style="green") if problem is None else Text(problem.upper(), style="bold red")
            grid.add_row(check.stream, str(check.events), status)
        console().print(grid)
    if broken:
        fail(
            "audit_chain_broken",
            f"{len(broken)} stream(s) do not verify",
            {"broken": [f"stream {check.stream} {check.problem()}" for check in broken]},
        )
    if not checks and not as_json:
        console().print("no audit streams yet")


@app.command("list")
def list_events(
    realm: Annotated[str, typer.Argument(help="Realm name or id.")],
    org: Annotated[str | None, typer.Option("--org", help="Only events about this organization.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action, e.g. user.created.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="Events per page.")] = 50,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a realm's audit events, oldest first."""
    page = run(
        lambda runtime: runtime.services.audit.list(
            ACTOR, realm, page_request(limit, cursor), organization=org, action=action
        )
    )
    print_page(page, EVENT_COLUMNS, as_json=as_json, title=f"Audit log of {realm}")
