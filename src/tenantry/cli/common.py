"""What every command group shares: the runtime, the acting identity, errors and output.

Exit codes: 0 success, 1 a refusal (a domain error, a broken audit chain, an unverified domain),
2 a usage error (Click's own: unknown option, missing argument).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from tenantry.bootstrap import Runtime
from tenantry.config import Settings, load_settings
from tenantry.core.errors import DomainError
from tenantry.ports.paging import MAX_LIMIT, Page, PageRequest
from tenantry.services.access import Actor, system_actor

T = TypeVar("T")
ACTOR: Actor = system_actor("cli")
HIDDEN_FIELDS = frozenset({"token_hash", "client_secret_hash", "private_pem", "sealed_private_key", "sealed_secret"})
"""Digests of secrets and private keys never leave the process, not even in ``--json``."""

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=MAX_LIMIT, help="Items per page.")]
CursorOption = Annotated[str | None, typer.Option("--cursor", help="Continue after this cursor.")]
Column = tuple[str, Callable[[Any], object]]


def console() -> Console:
    """A fresh console on the current stdout, so width and redirection are read at print time."""
    return Console(highlight=False)


def err_console() -> Console:
    return Console(stderr=True, highlight=False)


def settings() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        fail("invalid_settings", "the TENANTRY_* environment does not validate", {"errors": _pydantic_errors(exc)})


def run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Build a runtime, run ``work`` on a fresh event loop, close the runtime; domain errors exit 1."""

    async def main() -> T:
        runtime = Runtime(settings())
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        fail(exc.code, exc.message, exc.details)
    except (OperationalError, ProgrammingError) as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
        fail("database_unavailable", f"the database cannot serve this command ({reason}); has `tenantry migrate` run?")
    except DBAPIError as exc:
        fail("database_error", str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__)


def fail(code: str, message: str, details: dict[str, Any] | None = None) -> NoReturn:
    """Print ``error <code>: <message>`` in red on stderr, then each detail, and exit 1."""
    out = err_console()
    out.print(Text(f"error {code}: {message}", style="bold red"), soft_wrap=True)
    for key, value in (details or {}).items():
        if isinstance(value, list | tuple):
            out.print(Text(f"  {key}:", style="red"))
            for item in value:
                out.print(Text(f"    - {_cell(item)}", style="red"))
        else:
            out.print(Text(f"  {key}: {_cell(value)}", style="red"))
    raise typer.Exit(1)


def _pydantic_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()]


def jsonable(value: Any) -> Any:
    """Dataclasses, pydantic models, datetimes and paths as plain JSON values; secret digests dropped."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: jsonable(getattr(value, item.name))
            for item in dataclasses.fields(value)
            if item.name not in HIDDEN_FIELDS
        }
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    return value


def print_json(value: Any) -> None:
    typer.echo(json.dumps(jsonable(value), indent=2, sort_keys=False))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_cell(item) for item in value)
    if isinstance(value, dict | BaseModel):
        return json.dumps(jsonable(value), sort_keys=True)
    return str(value)


def table(title: str | None, headers: Iterable[str]) -> Table:
    """A table whose cells fold instead of hiding characters: ids must stay whole, if on two lines."""
    grid = Table(title=title, title_justify="left")
    for header in headers:
        grid.add_column(header, overflow="fold")
    return grid


def print_items(
    items: Sequence[Any], columns: Sequence[Column], *, as_json: bool, title: str, next_cursor: str | None = None
) -> None:
    """A list as a table, or as the admin API's ``{"items": [...], "next_cursor": ...}``."""
    if as_json:
        print_json({"items": list(items), "next_cursor": next_cursor})
        return
    grid = table(title, [header for header, _ in columns])
    for item in items:
        grid.add_row(*(Text(_cell(getter(item))) for _, getter in columns))
    out = console()
    out.print(grid)
    if not items:
        out.print("(none)")
    if next_cursor:
        out.print(Text(f"more: --cursor {next_cursor}"))


def print_page(page: Page[Any], columns: Sequence[Column], *, as_json: bool, title: str) -> None:
    print_items(page.items, columns, as_json=as_json, title=title, next_cursor=page.next_cursor)


def print_record(value: Any, *, as_json: bool = False, title: str | None = None) -> None:
    """One object as a two-column table of its fields (or JSON)."""
    if as_json:
        print_json(value)
        return
    data = jsonable(value)
    grid = table(title, ["field", "value"])
    for key, item in data.items():
        grid.add_row(key, Text(_cell(item)))
    console().print(grid)


def page_request(limit: int, cursor: str | None) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


def done(message: str) -> None:
    console().print(Text(message, style="green"))


def secret_line(label: str, value: str) -> None:
    """A secret on its own unwrapped line, so it can be copied in one piece."""
    console().print(Text(f"{label}: ", style="bold") + Text(value), soft_wrap=True)


def confirm_or_abort(question: str, yes: bool) -> None:
    if not yes and not typer.confirm(question, default=False):
        err_console().print(Text("aborted", style="yellow"))
        raise typer.Exit(1)
