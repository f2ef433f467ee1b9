"""The customer registry, its pipeline records and its leases (SPEC L1, L4)."""

from __future__ import annotations

import builtins
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.customer import Customer
from tenantry.core.errors import Conflict
from tenantry.core.onboarding import Run, RunKind, StepRecord
from tenantry.ports.paging import Page, PageRequest

from ..tables_control import customer_domains, customer_leases, customer_runs, customer_steps, customers
from ..uniqueness import is_unique_violation, unique
from .base import keyset_page

_CUSTOMER_FIELDS = tuple(item.name for item in fields(Customer))


def _customer(row: Row[Any]) -> Customer:
    values = {name: getattr(row, name) for name in _CUSTOMER_FIELDS}
    values["connection_ids"] = list(row.connection_ids)
    values["verified_domains"] = list(row.verified_domains)
    return Customer(**values)


class SqlCustomerRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, customer: Customer) -> None:
        async with unique("customer_exists", "a customer with this slug exists"):
            await self.conn.execute(insert(customers).values(**asdict(customer)))

    async def get(self, customer_id: str) -> Customer | None:
        row = (await self.conn.execute(select(customers).where(customers.c.id == customer_id))).first()
        return _customer(row) if row else None

    async def by_slug(self, slug: str) -> Customer | None:
        row = (await self.conn.execute(select(customers).where(customers.c.slug == slug))).first()
        return _customer(row) if row else None

    async def list(self, page: PageRequest, *, status: str | None = None) -> Page[Customer]:
        query = select(customers)
        if status is not None:
            query = query.where(customers.c.status == status)
        return await keyset_page(self.conn, query, customers, page, _customer)

    async def update(self, customer: Customer) -> None:
        values = asdict(customer)
        values.pop("id")
        await self.conn.execute(update(customers).where(customers.c.id == customer.id).values(**values))

    async def suspended(self) -> builtins.list[Customer]:
        rows = await self.conn.execute(select(customers).where(customers.c.status == "suspended"))
        return [_customer(row) for row in rows]

    async def claim_domains(self, customer_id: str, domains: builtins.list[str]) -> None:
        if not domains:
            return
        held = await self.conn.execute(
            select(customer_domains).where(
                customer_domains.c.domain.in_(domains), customer_domains.c.customer_id != customer_id
            )
        )
        taken = sorted(row.domain for row in held)
        if taken:
            raise Conflict("a domain belongs to another customer", code="domain_taken", details={"domains": taken})
        mine = {
            row.domain
            for row in await self.conn.execute(
                select(customer_domains.c.domain).where(customer_domains.c.customer_id == customer_id)
            )
        }
        fresh = [{"domain": domain, "customer_id": customer_id} for domain in domains if domain not in mine]
        if fresh:
            async with unique("domain_taken", "a domain belongs to another customer"):
                await self.conn.execute(insert(customer_domains), fresh)


def _run(row: Row[Any]) -> Run:
    return Run(
        slug=row.slug,
        kind=row.kind,
        attempt=row.attempt,
        status=row.status,
        spec=dict(row.spec),
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
    )


def _step(row: Row[Any]) -> StepRecord:
    return StepRecord(
        slug=row.slug,
        kind=row.kind,
        step=row.step,
        status=row.status,
        attempt=row.attempt,
        inputs_hash=row.inputs_hash,
        inputs=dict(row.inputs),
        outputs=dict(row.outputs),
        error=row.error,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


class SqlRunRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def get(self, slug: str, kind: RunKind) -> Run | None:
        query = select(customer_runs).where(customer_runs.c.slug == slug, customer_runs.c.kind == kind)
        row = (await self.conn.execute(query)).first()
        return _run(row) if row else None

    async def add(self, run: Run) -> None:
        async with unique("run_exists", "this customer's run exists"):
            await self.conn.execute(insert(customer_runs).values(**asdict(run)))

    async def update(self, run: Run) -> None:
        values = asdict(run)
        await self.conn.execute(
            update(customer_runs)
            .where(customer_runs.c.slug == run.slug, customer_runs.c.kind == run.kind)
            .values(**values)
        )

    async def unfinished(self) -> list[Run]:
        rows = await self.conn.execute(select(customer_runs).where(customer_runs.c.status == "running"))
        return [_run(row) for row in rows]

    async def steps(self, slug: str, kind: RunKind) -> list[StepRecord]:
        query = select(customer_steps).where(customer_steps.c.slug == slug, customer_steps.c.kind == kind)
        return [_step(row) for row in await self.conn.execute(query)]

    async def step(self, slug: str, kind: RunKind, step: str) -> StepRecord | None:
        query = select(customer_steps).where(
            customer_steps.c.slug == slug, customer_steps.c.kind == kind, customer_steps.c.step == step
        )
        row = (await self.conn.execute(query)).first()
        return _step(row) if row else None

    async def save_step(self, record: StepRecord) -> None:
        values = asdict(record)
        key = and_(
            customer_steps.c.slug == record.slug,
            customer_steps.c.kind == record.kind,
            customer_steps.c.step == record.step,
        )
        result = await self.conn.execute(update(customer_steps).where(key).values(**values))
        if result.rowcount == 0:
            await self.conn.execute(insert(customer_steps).values(**values))


class SqlLeaseRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def acquire(self, slug: str, holder: str, now: datetime, until: datetime) -> str | None:
        """One conditional UPDATE (ours, or lapsed), else an INSERT that the primary key arbitrates."""
        taken = await self.conn.execute(
            update(customer_leases)
            .where(
                customer_leases.c.slug == slug,
                or_(customer_leases.c.holder == holder, customer_leases.c.expires_at <= now),
            )
            .values(holder=holder, expires_at=until)
        )
        if taken.rowcount:
            return None
        current = (await self.conn.execute(select(customer_leases).where(customer_leases.c.slug == slug))).first()
        if current is not None:
            return str(current.holder)
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(insert(customer_leases).values(slug=slug, holder=holder, expires_at=until))
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            return "another executor"
        return None

    async def release(self, slug: str, holder: str) -> None:
        await self.conn.execute(
            delete(customer_leases).where(customer_leases.c.slug == slug, customer_leases.c.holder == holder)
        )
