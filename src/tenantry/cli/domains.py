"""``tenantry domains``: domain claims verified by a DNS TXT record (F2, F3)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from .common import ACTOR, JsonOption, console, done, fail, print_items, print_json, run

app = typer.Typer(help="Domain claims: claim, verify by DNS TXT, list, re-check.", no_args_is_help=True)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]
OrgArg = Annotated[str, typer.Argument(help="Organization name or id.")]

CLAIM_COLUMNS = (
    ("domain", lambda c: c.domain),
    ("id", lambda c: c.id),
    ("status", lambda c: c.status),
    ("auto-join", lambda c: c.auto_join),
    ("TXT value", lambda c: c.txt_record),
    ("verified", lambda c: c.verified_at),
    ("checked", lambda c: c.checked_at),
)


@app.command("claim")
def claim(
    realm: RealmArg,
    org: OrgArg,
    domain: Annotated[str, typer.Argument(help="Domain name, e.g. acme.com.")],
    auto_join: Annotated[
        bool, typer.Option("--auto-join", help="Verified emails of this domain join the organization.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Claim a domain and print the TXT record to publish."""
    found = run(lambda runtime: runtime.services.domains.claim(ACTOR, realm, org, domain, auto_join=auto_join))
    if as_json:
        print_json(found)
        return
    out = console()
    out.print(Text(f"domain {found.domain} claimed ({found.id}), status {found.status}", style="green"))
    out.print("Publish this DNS TXT record (either name works):")
    out.print(Text(f"  name:  _tenantry.{found.domain}   (or {found.domain})"))
    out.print(Text(f"  value: {found.txt_record}"), soft_wrap=True)
    out.print(Text(f"then run: tenantry domains verify {realm} {org} {found.id}"), soft_wrap=True)


@app.command("verify")
def verify(realm: RealmArg, org: OrgArg, claim_id: Annotated[str, typer.Argument(help="Claim id (dom_...).")]) -> None:
    """Look the TXT record up now; exit 1 when it is not there yet."""
    found = run(lambda runtime: runtime.services.domains.verify(ACTOR, realm, org, claim_id))
    if found.status != "verified":
        fail(
            "domain_not_verified",
            f"no TXT record {found.txt_record} at {found.domain} or _tenantry.{found.domain}",
            {"status": found.status},
        )
    done(f"domain {found.domain} verified")


@app.command("list")
def list_claims(realm: RealmArg, org: OrgArg, as_json: JsonOption = False) -> None:
    """List an organization's domain claims."""
    claims = run(lambda runtime: runtime.services.domains.list(ACTOR, realm, org))
    print_items(claims, CLAIM_COLUMNS, as_json=as_json, title=f"Domains of {org}")


@app.command("recheck")
def recheck(limit: Annotated[int, typer.Option("--limit", min=1, help="Claims to check at most.")] = 500) -> None:
    """Re-check verified claims now (least recently checked first); a missing record lapses a claim."""
    result = run(lambda runtime: runtime.services.domains.recheck(limit))
    done(f"{result.checked} claims checked, {len(result.lapsed)} lapsed")
    for domain in result.lapsed:
        console().print(Text(f"  lapsed: {domain}", style="yellow"))
