"""``tenantry hooks``: a realm's post-login hooks (J1, J2); a webhook's signing secret is printed once."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from .common import ACTOR, JsonOption, console, done, fail, print_items, print_json, print_record, run, secret_line

app = typer.Typer(help="Post-login hooks of a realm: rules, plugins, webhooks.", no_args_is_help=True)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]
HookArg = Annotated[str, typer.Argument(help="Hook name or id.")]
ConfigOption = Annotated[
    str | None,
    typer.Option("--config", help="The hook's configuration as JSON, or @file.json (see docs/hooks.md)."),
]


class Kind(StrEnum):
    rule = "rule"
    plugin = "plugin"
    webhook = "webhook"


HOOK_COLUMNS = (
    ("position", lambda h: h.position),
    ("name", lambda h: h.name),
    ("kind", lambda h: h.kind),
    ("enabled", lambda h: h.enabled),
    ("fail open", lambda h: h.fail_open),
    ("id", lambda h: h.id),
)


def _config(value: str) -> dict[str, Any]:
    text = Path(value[1:]).read_text() if value.startswith("@") else value
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        fail("malformed_json", f"--config is not valid JSON ({exc.msg} at {exc.pos})")
    if not isinstance(loaded, dict):
        fail("invalid_request", "--config must be a JSON object")
    return loaded


def _secret(secret: str | None) -> None:
    if secret is not None:
        secret_line("secret", secret)
        console().print(Text("The signing secret is shown once; store it with the webhook's receiver.", style="yellow"))


@app.command("list")
def list_hooks(realm: RealmArg, as_json: JsonOption = False) -> None:
    """List a realm's hooks in the order they run."""
    hooks = run(lambda runtime: runtime.services.hooks.list(ACTOR, realm))
    print_items(hooks, HOOK_COLUMNS, as_json=as_json, title=f"Hooks of {realm}")


@app.command("create")
def create(
    realm: RealmArg,
    name: Annotated[str, typer.Argument(help="Hook name (a lowercase slug).")],
    kind: Annotated[Kind, typer.Option("--kind", help="rule, plugin or webhook.")],
    config: ConfigOption = None,
    fail_open: Annotated[bool, typer.Option("--fail-open", help="Continue the login when the hook fails.")] = False,
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it switched off.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Add a hook at the end of the realm's list."""
    settings = _config(config) if config else {}
    hook, secret = run(
        lambda runtime: runtime.services.hooks.create(
            ACTOR, realm, name=name, kind=kind.value, config=settings, enabled=not disabled, fail_open=fail_open
        )
    )
    if as_json:
        print_json({"hook": hook, "secret": secret})
        return
    print_record(hook, title=f"hook {hook.name} created")
    _secret(secret)


@app.command("show")
def show(realm: RealmArg, hook: HookArg, as_json: JsonOption = False) -> None:
    """One hook with its configuration."""
    found = run(lambda runtime: runtime.services.hooks.get(ACTOR, realm, hook))
    print_record(found, as_json=as_json, title=f"hook {found.name}")


@app.command("update")
def update(
    realm: RealmArg,
    hook: HookArg,
    config: ConfigOption = None,
    enabled: Annotated[bool | None, typer.Option("--enable/--disable", help="Switch the hook on or off.")] = None,
    fail_open: Annotated[
        bool | None, typer.Option("--fail-open/--fail-closed", help="What a failure of the hook does.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Replace a hook's configuration, or switch it on, off, fail-open or fail-closed."""
    changes: dict[str, Any] = {}
    if config is not None:
        changes["config"] = _config(config)
    if enabled is not None:
        changes["enabled"] = enabled
    if fail_open is not None:
        changes["fail_open"] = fail_open
    updated = run(lambda runtime: runtime.services.hooks.update(ACTOR, realm, hook, changes))
    print_record(updated, as_json=as_json, title=f"hook {updated.name} updated")


@app.command("order")
def order(
    realm: RealmArg,
    hooks: Annotated[list[str], typer.Argument(help="Every hook of the realm, first to run first.")],
    as_json: JsonOption = False,
) -> None:
    """Set the order the realm's hooks run in."""
    ordered = run(lambda runtime: runtime.services.hooks.reorder(ACTOR, realm, hooks))
    print_items(ordered, HOOK_COLUMNS, as_json=as_json, title=f"Hooks of {realm}")


@app.command("rotate-secret")
def rotate_secret(realm: RealmArg, hook: HookArg) -> None:
    """Give a webhook a new signing secret (printed once); the old one stops signing at once."""
    updated, secret = run(lambda runtime: runtime.services.hooks.rotate_secret(ACTOR, realm, hook))
    done(f"hook {updated.name}: new signing secret")
    _secret(secret)


@app.command("delete")
def delete(realm: RealmArg, hook: HookArg) -> None:
    """Delete a hook."""
    run(lambda runtime: runtime.services.hooks.delete(ACTOR, realm, hook))
    done(f"hook {hook} deleted")
