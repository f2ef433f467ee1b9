"""``tenantry keys``: a realm's signing keys; rotation publishes before use, revocation is immediate (S2)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.text import Text

from .common import ACTOR, JsonOption, confirm_or_abort, console, print_items, print_record, run


class Algorithm(StrEnum):
    ES256 = "ES256"
    RS256 = "RS256"


app = typer.Typer(help="Signing keys of a realm: list, rotate, revoke.", no_args_is_help=True)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]

KEY_COLUMNS = (
    ("kid", lambda k: k.kid),
    ("alg", lambda k: k.alg),
    ("status", lambda k: k.status),
    ("activates", lambda k: k.activates_at),
    ("retire after", lambda k: k.retire_after),
    ("issuer", lambda k: k.issuer),
)


@app.command("list")
def list_keys(realm: RealmArg, as_json: JsonOption = False) -> None:
    """List the realm's keys with their status (next, active, retiring, retired, revoked)."""
    keys = run(lambda runtime: runtime.services.keys.list(ACTOR, realm))
    print_items(keys, KEY_COLUMNS, as_json=as_json, title=f"Signing keys of {realm}")


@app.command("rotate")
def rotate(
    realm: RealmArg,
    alg: Annotated[Algorithm, typer.Option("--alg", help="Which key to rotate.")] = Algorithm.ES256,
    as_json: JsonOption = False,
) -> None:
    """Publish a new key now; it signs after TENANTRY_KEY_PUBLISH_SECONDS and the old one then retires."""
    key = run(lambda runtime: runtime.services.keys.rotate(ACTOR, realm, alg.value))
    if as_json:
        print_record(key, as_json=True)
        return
    out = console()
    out.print(Text(f"key {key.kid} ({key.alg}) published, status {key.status}", style="green"))
    if key.activates_at is not None:
        out.print(Text(f"it signs from {key.activates_at:%Y-%m-%d %H:%M:%S} UTC; the key it replaces retires later"))


@app.command("revoke")
def revoke(
    realm: RealmArg,
    kid: Annotated[str, typer.Argument(help="The key id (kid) to revoke.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Revoke a compromised key: it leaves the JWKS and its tokens fail at once."""
    confirm_or_abort(f"Revoke key {kid} of realm {realm}? Tokens it signed stop working now.", yes)
    key = run(lambda runtime: runtime.services.keys.revoke(ACTOR, realm, kid))
    if as_json:
        print_record(key, as_json=True)
        return
    console().print(Text(f"key {key.kid} ({key.alg}) revoked", style="green"))
