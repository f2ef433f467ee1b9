"""Pipelines run as DBOS durable workflows over the control-plane database (STACK.md, SPEC L4).

DBOS checkpoints each step's result in its own system tables (schema ``dbos`` of the control-plane
database on PostgreSQL, ``workflows.db`` beside ``control.db`` on SQLite; the URL is always set
explicitly). A process that starts DBOS recovers the workflows a crashed process left pending and
runs them on from their last checkpoint; the step records of ``pipeline.Pipeline`` make that safe
across separate workflows too (a retry is a new workflow that replays the recorded steps).

DBOS is one per process: ``Workflows.start`` launches it once, ``close`` shuts it down.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dbos import DBOS, SetWorkflowID

from tenantry.core.onboarding import STEPS, RunKind

from .pipeline import Pipeline, error_text

PROCESS = secrets.token_hex(6)
"""Distinguishes this process's executions when they hold a customer's lease."""
_active: dict[str, Pipeline] = {}


def _pipeline() -> Pipeline:
    pipeline = _active.get("pipeline")
    if pipeline is None:
        raise RuntimeError("no pipeline is registered in this process")
    return pipeline


@DBOS.step(name="tenantry.customer_step")
async def _step(kind: RunKind, slug: str, name: str, holder: str) -> dict[str, Any]:
    return await _pipeline().execute(kind, slug, name, holder)


@DBOS.step(name="tenantry.customer_run_end")
async def _end(kind: RunKind, slug: str, holder: str, error: str | None) -> None:
    await _pipeline().finish(kind, slug, holder, error)


@DBOS.workflow(name="tenantry.customer_run")
async def _run(kind: RunKind, slug: str) -> dict[str, Any]:
    holder = f"{DBOS.workflow_id}:{PROCESS}"
    outputs: dict[str, Any] = {}
    try:
        for name in STEPS[kind]:
            outputs[name] = await _step(kind, slug, name, holder)
    except Exception as exc:
        await _end(kind, slug, holder, error_text(exc))
        raise
    await _end(kind, slug, holder, None)
    return outputs


def prepare_system_database(url: str) -> None:
    """Create or upgrade DBOS's system schema. ``tenantry migrate`` does it, so executors that start
    at the same moment only check its version: two launches migrating it at once can deadlock
    (one's CREATE INDEX CONCURRENTLY waits on the other's open transaction)."""
    DBOS.migrate(url)


class Workflows:
    def __init__(self, pipeline: Pipeline, system_database_url: str):
        self.pipeline = pipeline
        self.system_database_url = system_database_url
        self.started = False

    def start(self) -> None:
        """Launch DBOS in this process (and so recover any pending run). Idempotent."""
        if self.started:
            return
        if _active:
            raise RuntimeError("a pipeline runs in this process already; one Runtime per process uses workflows")
        _active["pipeline"] = self.pipeline
        DBOS(config={"name": "tenantry", "system_database_url": self.system_database_url, "log_level": "WARNING"})
        DBOS.launch()
        self.started = True

    async def run(self, kind: RunKind, slug: str, workflow_id: str) -> None:
        """Start (or join) the run's workflow and wait for it; the caller reads the outcome from the records."""
        self.start()
        with SetWorkflowID(workflow_id):
            handle = await DBOS.start_workflow_async(_run, kind, slug)
        try:
            await handle.get_result()
        except Exception:  # noqa: S110 - the run's record holds the error with its code; the caller raises it
            pass

    def close(self) -> None:
        """Shut DBOS down; the event loop gets a fresh default executor, since DBOS shuts its own one."""
        if self.started:
            DBOS.destroy()
            _active.clear()
            self.started = False
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor())
