"""A benchmark's own PostgreSQL database: dropped and created afresh by URL."""

from __future__ import annotations


async def recreate(url: str) -> None:
    """Drop and create the database named at the end of `url` (a postgres:// URL)."""
    import asyncpg

    base, name = url.rsplit("/", 1)
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
