"""Worker middleware: the ORM on the actors' event loop, request ids, dead letters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import tortoise.context as tortoise_context
from dramatiq import Broker, Middleware, Worker
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.broker import MessageProxy
from dramatiq.middleware import AsyncIO
from prometheus_client import Counter
from tortoise.context import TortoiseContext

from db.connection import tortoise_config
from domain.context import set_request_id

log = logging.getLogger("ipcredit.actors")

DEAD_LETTERS = Counter(
    "ipcredit_dead_letters_total", "Actor messages that failed for good", ["actor"]
)

BootHook = Callable[[asyncio.AbstractEventLoop, TortoiseContext], Awaitable[None]]


def bind(context: TortoiseContext) -> None:
    """Make `context` the ORM of the calling thread and of the tasks it starts from now on."""
    # Tortoise resolves its connections through this context variable; a task started with
    # run_coroutine_threadsafe copies the submitting thread's context, so binding the worker
    # thread binds the actor's coroutine
    tortoise_context._current_context.set(context)


class AsyncOrm(AsyncIO):
    """AsyncIO's event loop for async actors, with the ORM opened on that loop.

    The ORM gets a context of its own (not the process-wide one), so worker threads started
    inside the app process never share connections with the app's own event loop.
    """

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.database_url = database_url
        self.context: TortoiseContext | None = None
        self.boot_hooks: list[BootHook] = []

    def before_worker_boot(self, broker: Broker, worker: Worker) -> None:
        """Start the loop, open the database on it, then run the boot hooks there."""
        super().before_worker_boot(broker, worker)
        thread = get_event_loop_thread()
        assert thread is not None
        self.context = thread.run_coroutine(self._open())
        for hook in self.boot_hooks:
            thread.run_coroutine(hook(thread.loop, self.context))

    async def _open(self) -> TortoiseContext:
        from config import settings

        url = self.database_url or settings().database_url
        context = TortoiseContext()
        # a worker process has no other ORM: let every thread find this one
        alone = tortoise_context._global_context is None
        # bound before init: initialising touches each model's connection, which must be ours,
        # never the app loop's
        bind(context)
        await context.init(config=tortoise_config(url), _enable_global_fallback=alone)
        if not await _schema_in_place(context, url):
            await context.generate_schemas(safe=True)
        if url.startswith("sqlite"):
            conn = context.connections.get("default")
            await conn.execute_script("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;")
        return context

    def after_worker_shutdown(self, broker: Broker, worker: Worker) -> None:
        """Close the database, then stop the loop."""
        thread = get_event_loop_thread()
        if thread is not None and self.context is not None:
            try:
                thread.run_coroutine(self.context.close_connections())
            except Exception:
                log.warning("closing the worker's database connections failed", exc_info=True)
            self.context = None
        super().after_worker_shutdown(broker, worker)

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        """Bind the ORM and the request id of the message to the worker thread."""
        if self.context is not None:
            bind(self.context)
        set_request_id(message.options.get("request_id") or message.message_id)


async def _schema_in_place(context: TortoiseContext, url: str) -> bool:
    """Whether a PostgreSQL database already has the schema (the app's migrations made it).

    A worker then leaves it alone: `generate_schemas` issues `CREATE INDEX IF NOT EXISTS`,
    which takes a SHARE lock on each table before it finds the index there, so a worker
    (re)started under load would block, and deadlock with, the API's writes.
    """
    if not url.startswith(("postgres", "asyncpg")):
        return False
    from db.models import OutboxMessage

    conn = context.connections.get("default")
    table = OutboxMessage._meta.db_table
    rows = await conn.execute_query_dict("SELECT to_regclass($1) IS NOT NULL AS present", [table])
    return bool(rows and rows[0]["present"])


class DeadLetters(Middleware):
    """Keeps messages that failed for good (retries exhausted or a business error) for staff.

    Must come before Retries in the middleware list, so that its after-hook (run in reverse
    order) sees whether Retries failed the message.
    """

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        """Record a failed message in the dead-letter table."""
        if exception is None or not message.failed:
            return
        from domain.errors import DomainError
        from domain.monitoring.warnings import record_dead_letter

        retries = message.options.get("retries", 0)
        why = (
            "business error, not retried"
            if isinstance(exception, DomainError)
            else (f"gave up after {retries} failed attempts")
        )
        error = f"{type(exception).__name__}: {exception} ({why})"
        DEAD_LETTERS.labels(message.actor_name).inc()
        thread = get_event_loop_thread()
        if thread is None:
            log.error("dead letter %s not stored (no event loop): %s", message.message_id, error)
            return
        try:
            thread.run_coroutine(
                record_dead_letter(
                    actor=message.actor_name,
                    message_id=message.message_id,
                    args=[*message.args, *([message.kwargs] if message.kwargs else [])],
                    error=error,
                )
            )
        except Exception:
            log.exception("dead letter %s could not be stored: %s", message.message_id, error)
