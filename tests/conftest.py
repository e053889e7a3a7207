"""Shared fixtures: a fresh database per test module (SQLite by default, PostgreSQL in CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

os.environ.setdefault("IPCREDIT_JWT_SECRET", "test-secret-" + "x" * 40)


def database_url() -> str:
    """TEST_DATABASE_URL selects PostgreSQL; otherwise an in-memory SQLite database."""
    return os.environ.get("TEST_DATABASE_URL", "sqlite://:memory:")


def on_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return database_url().startswith("postgres")


async def _fresh_postgres(base_url: str) -> tuple[str, str]:
    """Create a uniquely named database next to `base_url`; returns (url, name)."""
    import asyncpg

    name = f"ipcredit_t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(base_url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return base_url.rsplit("/", 1)[0] + "/" + name, name


async def _drop_postgres(base_url: str, name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(base_url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[str]:
    """An initialised, empty database for one test; yields its URL."""
    from db.connection import close_db, init_db

    base = database_url()
    name = None
    url = base
    if base.startswith("postgres"):
        url, name = await _fresh_postgres(base)
    await init_db(url)
    try:
        yield url
    finally:
        await close_db()
        if name is not None:
            await _drop_postgres(base, name)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data directory, with settings re-read from the environment."""
    import config

    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("IPCREDIT_DATA_DIR", str(d))
    config.settings.cache_clear()
    yield d  # type: ignore[misc]
    config.settings.cache_clear()
