"""Connecting Tortoise to SQLite or PostgreSQL, and creating the schema.

SQLite is shared by two processes in the embedded default (the app and its worker process):
every connection runs in WAL mode (readers go on while the single writer commits) and waits
up to `SQLITE_BUSY_TIMEOUT_MS` for the write lock instead of failing at once. Both are set as
connection pragmas, so a reconnection gets them too.

A transaction on SQLite starts with `BEGIN IMMEDIATE` (`ImmediateSqliteClient`): it takes the
write lock first, waiting for it under the busy timeout. A plain `BEGIN` reads first and fails
at once with "database is locked" when it then writes after the other process committed in
between (its snapshot is stale, and waiting cannot help). Beginning, and single statements
outside a transaction, are retried a few times more if the lock still cannot be had.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import tortoise.context as tortoise_context
from tortoise import Tortoise
from tortoise.backends.base.client import TransactionContext
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.context import TortoiseContext
from tortoise.exceptions import OperationalError, TransactionManagementError

MODELS = ["db.models"]
SQLITE_BUSY_TIMEOUT_MS = 10_000
# after the busy timeout ran out: this many more tries, this far apart (doubling)
SQLITE_LOCK_RETRIES = 3
SQLITE_RETRY_DELAY_S = 0.05
SQLITE_ENGINE = __name__  # Tortoise takes `client_class` from this module
T = TypeVar("T")


def is_locked(exc: BaseException) -> bool:
    """Whether an error is SQLite's "database is locked" (or its table-level sibling)."""
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text


async def _with_lock_retries(attempt: Callable[[], Awaitable[T]]) -> T:
    """`attempt()`, tried again after a short pause while SQLite says it is locked."""
    delay = SQLITE_RETRY_DELAY_S
    for _ in range(SQLITE_LOCK_RETRIES):
        try:
            return await attempt()
        except (sqlite3.OperationalError, OperationalError, TransactionManagementError) as exc:
            if not is_locked(exc):
                raise
        await asyncio.sleep(delay)
        delay *= 2
    return await attempt()


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    """A SQLite transaction that takes the write lock when it begins."""

    async def begin(self) -> None:
        """`BEGIN IMMEDIATE`, waiting for the write lock (busy timeout, then retries)."""

        async def attempt() -> None:
            await self._connection.commit()  # nothing open: a no-op, as Tortoise does
            await self._connection.execute("BEGIN IMMEDIATE")

        try:
            await _with_lock_retries(attempt)
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    """Tortoise's SQLite client with transactions begun IMMEDIATE and statements outside a
    transaction retried while the database is locked."""

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    async def execute_insert(self, query: str, values: list[Any]) -> int:
        """An insert on its own, retried while locked."""
        return await _with_lock_retries(
            lambda: super(ImmediateSqliteClient, self).execute_insert(query, values)
        )

    async def execute_many(self, query: str, values: list[list[Any]]) -> None:
        """A batch on its own (one transaction), retried while locked."""
        await _with_lock_retries(
            lambda: super(ImmediateSqliteClient, self).execute_many(query, values)
        )

    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        """A statement on its own, retried while locked."""
        return await _with_lock_retries(
            lambda: super(ImmediateSqliteClient, self).execute_query(query, values)
        )

    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        """A statement on its own (rows as dicts), retried while locked."""
        return await _with_lock_retries(
            lambda: super(ImmediateSqliteClient, self).execute_query_dict(query, values)
        )


client_class = ImmediateSqliteClient


def connection_config(url: str) -> str | dict[str, Any]:
    """The URL as Tortoise takes it; for SQLite with WAL and a busy timeout on every connection."""
    if not url.startswith("sqlite"):
        return url
    config = expand_db_url(url)
    config["engine"] = SQLITE_ENGINE
    credentials = config["credentials"]
    credentials.setdefault("journal_mode", "WAL")
    credentials.setdefault("busy_timeout", SQLITE_BUSY_TIMEOUT_MS)
    return config


def tortoise_config(url: str) -> dict[str, object]:
    """The Tortoise config for a database URL (timestamps stored timezone-aware in UTC)."""
    return {
        "connections": {"default": connection_config(url)},
        "apps": {
            "models": {
                "models": MODELS,
                "default_connection": "default",
                "migrations": "db.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def private_sqlite_file(url: str) -> None:
    """Create a SQLite database file owner-only (0600) in an owner-only directory before SQLite
    does (it would create it world-readable under the usual umask); its -wal and -shm files
    take the same mode."""
    if not url.startswith("sqlite://"):
        return
    location = url.removeprefix("sqlite://").split("?", 1)[0]
    if not location or location == ":memory:":
        return
    path = Path(location)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


async def init_db(url: str, *, create_schema: bool = True) -> None:
    """Connect (and on first use create tables); visible from every task of the process."""
    if tortoise_context._global_context is not None:
        await close_db()
    # Tortoise caches each model's SQL per connection *name*: a process that opened SQLite
    # and then PostgreSQL under "default" would send `?` placeholders to PostgreSQL
    EXECUTOR_CACHE.clear()
    private_sqlite_file(url)
    if create_schema and url.startswith(("postgres", "asyncpg")):
        await migrate_postgres(url)
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)
    if create_schema and not url.startswith(("postgres", "asyncpg")):
        # SQLite (the embedded default) is created straight from the models
        await Tortoise.generate_schemas(safe=True)


@contextlib.asynccontextmanager
async def own_connections(url: str) -> AsyncIterator[None]:
    """Connections of the running task's own (for work on a loop of its own, in a thread)."""
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url), _enable_global_fallback=False)
        yield


async def migrate_postgres(url: str) -> None:
    """Apply the migrations in db/migrations (PostgreSQL), in a context of their own."""
    from tortoise.migrations.api.migrate import migrate

    async with TortoiseContext():
        await migrate(config=tortoise_config(url))


async def close_db() -> None:
    """Close every connection and forget the global context."""
    ctx = tortoise_context.get_current_context()
    try:
        if ctx is not None:
            await ctx.close_connections()
            ctx._apps = None
            ctx._inited = False
    finally:
        tortoise_context._global_context = None
