"""``tenantry customer``: onboard (each step shown live), list, show, retry, suspend, reactivate, offboard.

Every action on a customer states why (``--reason``); it is written to the audit log with the actor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from tenantry.bootstrap import Runtime
from tenantry.core.customer import Customer
from tenantry.core.onboarding import STEPS, RunKind, StepRecord

from .common import (
    ACTOR,
    CursorOption,
    JsonOption,
    LimitOption,
    done,
    page_request,
    print_items,
    print_page,
    print_record,
    run,
)

app = typer.Typer(
    help="Customers: onboard, list, show, retry, suspend, reactivate, offboard (SPEC L).", no_args_is_help=True
)

SlugArg = Annotated[str, typer.Argument(help="Customer slug or id.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why: written to the audit log with your name.")]
MARKS = {"pending": "·", "running": "…", "succeeded": "✓", "failed": "✗"}
CUSTOMER_COLUMNS = (
    ("slug", lambda c: c.slug),
    ("id", lambda c: c.id),
    ("name", lambda c: c.name),
    ("status", lambda c: c.status),
    ("tier", lambda c: c.tier),
    ("pattern", lambda c: c.pattern),
    ("region", lambda c: c.region),
)


class Tier(StrEnum):
    dedicated = "dedicated"
    shared = "shared"


class Pattern(StrEnum):
    isolated_org = "isolated-org"
    realm = "realm"


async def _live(runtime: Runtime, kind: RunKind, slug: str, work: Awaitable[Customer]) -> Customer:
    """Run ``work`` while a Rich progress display follows the run's step records."""
    task = asyncio.ensure_future(work)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=False) as progress:
        rows = {name: progress.add_task(f"{MARKS['pending']} {name}", total=1) for name in STEPS[kind]}
        while True:
            done_now = task.done()
            async with runtime.ports.control.transaction() as tx:
                records = await tx.runs.steps(slug, kind)
            for record in records:
                progress.update(rows[record.step], description=_line(record), completed=record.status == "succeeded")
            if done_now:
                break
            await asyncio.sleep(0.2)
    return await task


def _line(record: StepRecord) -> str:
    line = f"{MARKS[record.status]} {record.step} ({record.status}, attempt {record.attempt})"
    if record.started_at and record.finished_at:
        line += f" {(record.finished_at - record.started_at).total_seconds():.2f}s"
    return line


def _run_live(kind: RunKind, slug: str, call: Callable[[Runtime], Awaitable[Customer]]) -> Customer:
    return run(lambda runtime: _live(runtime, kind, slug, call(runtime)))


@app.command("onboard")
def onboard(
    name: Annotated[str, typer.Option("--name", help="The customer's display name.")],
    slug: Annotated[str, typer.Option("--slug", help="Stable key: a-z, 0-9 and -, at most 30.")],
    reason: ReasonOption,
    tier: Annotated[Tier, typer.Option("--tier", help="A dedicated data plane, or the shared pool.")] = Tier.shared,
    pattern: Annotated[
        Pattern, typer.Option("--pattern", help="An isolated organization, or its own realm (Pattern B).")
    ] = Pattern.isolated_org,
    region: Annotated[str | None, typer.Option("--region", help="Region, e.g. eu-west-1.")] = None,
    cloud: Annotated[str | None, typer.Option("--cloud", help="Cloud label, e.g. aws.")] = None,
    domain: Annotated[list[str] | None, typer.Option("--domain", help="A verified domain (repeatable).")] = None,
    custom_domain: Annotated[str | None, typer.Option("--custom-domain", help="Pattern B: login domain.")] = None,
    trial: Annotated[bool, typer.Option("--trial", help="Stay in trial after onboarding.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Onboard a customer, showing each step live; rerunning it resumes or replays the same run."""
    values: dict[str, Any] = {"name": name, "slug": slug, "tier": tier.value, "pattern": pattern.value}
    optional = {"region": region, "cloud": cloud, "custom_domain": custom_domain, "domains": domain}
    values.update({key: value for key, value in optional.items() if value})
    if trial:
        values["trial"] = True
    customer = _run_live("onboard", slug, lambda runtime: runtime.customers.onboard(ACTOR, values, reason=reason))
    _show(customer, as_json, f"customer {customer.slug} onboarded ({customer.status})")


@app.command("retry")
def retry(slug: SlugArg, reason: ReasonOption, as_json: JsonOption = False) -> None:
    """Resume the customer's last run at its first unfinished step."""

    async def work(runtime: Runtime) -> Customer:
        async with runtime.ports.control.transaction() as tx:
            kind: RunKind = "offboard" if await tx.runs.get(slug, "offboard") else "onboard"
        return await _live(runtime, kind, slug, runtime.customers.retry(ACTOR, slug, reason=reason))

    customer = run(work)
    _show(customer, as_json, f"customer {customer.slug}: {customer.status}")


@app.command("list")
def list_customers(
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """List customers."""
    page = run(lambda runtime: runtime.customers.list(ACTOR, page_request(limit, cursor), status=status))
    print_page(page, CUSTOMER_COLUMNS, as_json=as_json, title="Customers")


@app.command("show")
def show(slug: SlugArg, as_json: JsonOption = False) -> None:
    """Show a customer and the records of its runs."""

    async def work(runtime: Runtime) -> tuple[Customer, list[StepRecord]]:
        customer = await runtime.customers.get(ACTOR, slug)
        return customer, await runtime.customers.steps(ACTOR, customer.slug)

    customer, steps = run(work)
    if as_json:
        print_record({"customer": customer, "steps": steps}, as_json=True)
        return
    print_record(customer, title=f"Customer {customer.slug}")
    columns = (
        ("run", lambda s: s.kind),
        ("step", lambda s: s.step),
        ("status", lambda s: s.status),
        ("attempt", lambda s: s.attempt),
        ("finished", lambda s: s.finished_at),
        ("error", lambda s: s.error),
    )
    print_items(steps, columns, as_json=False, title="Steps")


def _act(action: str, slug: str, reason: str, as_json: bool) -> None:
    def call(runtime: Runtime) -> Awaitable[Customer]:
        method: Callable[..., Awaitable[Customer]] = getattr(runtime.customers, action)
        return method(ACTOR, slug, reason=reason)

    if action == "offboard":
        customer = _run_live("offboard", slug, call)
    else:
        customer = run(call)
    _show(customer, as_json, f"customer {customer.slug}: {customer.status}")


def _show(customer: Customer, as_json: bool, message: str) -> None:
    if as_json:
        print_record(customer, as_json=True)
    else:
        done(message)


@app.command("suspend")
def suspend(slug: SlugArg, reason: ReasonOption, as_json: JsonOption = False) -> None:
    """Refuse new logins and end every session and token of the customer's users (L7)."""
    _act("suspend", slug, reason, as_json)


@app.command("reactivate")
def reactivate(slug: SlugArg, reason: ReasonOption, as_json: JsonOption = False) -> None:
    """Restore logins of a suspended customer (L7)."""
    _act("reactivate", slug, reason, as_json)


@app.command("offboard")
def offboard(slug: SlugArg, reason: ReasonOption, as_json: JsonOption = False) -> None:
    """Export, revoke tokens, drop the data plane, destroy its keys (L6); rerun to resume."""
    _act("offboard", slug, reason, as_json)
