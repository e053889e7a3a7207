"""Connecting Tortoise to SQLite or PostgreSQL, and creating the schema.

SQLite is shared by two processes in the embedded default (the app and its worker process):
every connection runs in WAL mode (readers go on while the single writer commits) and waits
up to `SQLITE_BUSY_TIMEOUT_MS` for the write lock instead of failing at once. Both are set as
connection pragmas, so a reconnection gets them too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import tortoise.context as tortoise_context
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext

MODELS = ["db.models"]
SQLITE_BUSY_TIMEOUT_MS = 10_000


def connection_config(url: str) -> str | dict[str, Any]:
    """The URL as Tortoise takes it; for SQLite with WAL and a busy timeout on every connection."""
    if not url.startswith("sqlite"):
        return url
    config = expand_db_url(url)
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
