"""Connecting Tortoise to SQLite or PostgreSQL, and creating the schema."""

from __future__ import annotations

import tortoise.context as tortoise_context
from tortoise import Tortoise, connections

MODELS = ["db.models"]


def tortoise_config(url: str) -> dict[str, object]:
    """The Tortoise config for a database URL (timestamps stored timezone-aware in UTC)."""
    return {
        "connections": {"default": url},
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


async def init_db(url: str, *, create_schema: bool = True) -> None:
    """Connect (and on first use create tables); visible from every task of the process."""
    if tortoise_context._global_context is not None:
        await close_db()
    if create_schema and url.startswith(("postgres", "asyncpg")):
        await migrate_postgres(url)
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)
    if create_schema and not url.startswith(("postgres", "asyncpg")):
        # SQLite (the embedded default) is created straight from the models
        await Tortoise.generate_schemas(safe=True)
    if url.startswith("sqlite"):
        conn = connections.get("default")
        # WAL lets readers run while the single writer commits; busy_timeout waits for the lock
        await conn.execute_script("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;")


async def migrate_postgres(url: str) -> None:
    """Apply the migrations in db/migrations (PostgreSQL), in a context of their own."""
    from tortoise.context import TortoiseContext
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
