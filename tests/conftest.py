"""Shared fixtures: a fresh database per test module (SQLite by default, PostgreSQL in CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from domain.messaging.publisher import InProcessPublisher

os.environ.setdefault("IPCREDIT_JWT_SECRET", "test-secret-" + "x" * 40)
# refresh passes after events start at once (their settling is tested on its own)
os.environ.setdefault("IPCREDIT_REFRESH_SETTLE", "0")


def database_url() -> str:
    """TEST_DATABASE_URL selects PostgreSQL; otherwise an in-memory SQLite database."""
    return os.environ.get("TEST_DATABASE_URL", "sqlite://:memory:")


_TEMPLATE: dict[str, str] = {}


async def _template(base_url: str) -> str:
    """A database migrated once per test session; test databases are copies of it."""
    import asyncpg

    from db.connection import close_db, init_db

    if "name" not in _TEMPLATE:
        name = f"ipcredit_tpl_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(base_url.replace("postgres://", "postgresql://", 1))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        await init_db(base_url.rsplit("/", 1)[0] + "/" + name)  # runs the migrations
        await close_db()
        _TEMPLATE["name"] = name
    return _TEMPLATE["name"]


async def _fresh_postgres(base_url: str) -> tuple[str, str]:
    """A migrated, empty database next to `base_url`: one a finished test gave back (wiped), or
    a new copy of the session's template; returns (url, name)."""
    import asyncpg

    if _IDLE:
        name = _IDLE.pop()
        return base_url.rsplit("/", 1)[0] + "/" + name, name
    template = await _template(base_url)
    name = f"ipcredit_t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(base_url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    _ALL.add(name)
    return base_url.rsplit("/", 1)[0] + "/" + name, name


# databases a finished test gave back, wiped (copying the template and dropping the copy cost
# about 0.3 s a test; emptying the tables of a database nobody is connected to costs ~20 ms)
_IDLE: list[str] = []
_ALL: set[str] = set()

# every table emptied and every sequence restarted, foreign keys not checked meanwhile; the
# migrations' own table is kept (the database stays migrated)
_WIPE = """
DO $$
DECLARE r record;
BEGIN
  SET LOCAL session_replication_role = replica;
  FOR r IN SELECT quote_ident(tablename) AS t FROM pg_tables
           WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations' LOOP
    EXECUTE 'DELETE FROM ' || r.t;
  END LOOP;
  FOR r IN SELECT quote_ident(sequence_name) AS s FROM information_schema.sequences
           WHERE sequence_schema = 'public' LOOP
    EXECUTE 'ALTER SEQUENCE ' || r.s || ' RESTART';
  END LOOP;
END $$;
"""


async def _give_back(base_url: str, name: str) -> None:
    """Disconnect whatever the test left connected, empty the database and keep it for the
    next test; drop it if it cannot be emptied."""
    import asyncpg

    root = base_url.replace("postgres://", "postgresql://", 1)
    admin = await asyncpg.connect(root)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await admin.close()
    try:
        conn = await asyncpg.connect(root.rsplit("/", 1)[0] + "/" + name)
        try:
            await conn.execute(_WIPE)
        finally:
            await conn.close()
    except Exception:
        _ALL.discard(name)
        await _drop_postgres(base_url, name)
        return
    _IDLE.append(name)


@pytest.fixture(scope="session", autouse=True)
def _drop_template() -> Iterator[None]:
    """Drop the session's template database and the test databases kept for reuse at the end."""
    yield
    names = [*_ALL]
    _ALL.clear()
    _IDLE.clear()
    template = _TEMPLATE.pop("name", None)
    if template is not None:
        names.append(template)
    if not names:
        return
    import asyncio
    import threading

    async def drop_all() -> None:
        for name in names:
            await _drop_postgres(database_url(), name)

    thread = threading.Thread(target=lambda: asyncio.run(drop_all()))
    thread.start()
    thread.join()


async def _drop_postgres(base_url: str, name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(base_url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def _database(sqlite_url: str) -> AsyncIterator[str]:
    """An initialised, empty database: `sqlite_url` on SQLite, a fresh one on PostgreSQL."""
    from db.connection import close_db, init_db

    base = database_url()
    name = None
    url = sqlite_url
    if base.startswith("postgres"):
        url, name = await _fresh_postgres(base)
    await init_db(url, create_schema=not base.startswith("postgres"))
    try:
        yield url
    finally:
        await close_db()
        if name is not None:
            await _give_back(base, name)


@pytest.fixture
async def db() -> AsyncIterator[str]:
    """An initialised, empty database for one test; yields its URL."""
    async with _database(database_url()) as url:
        yield url


@pytest.fixture
async def shared_db(tmp_path: Path, data_dir: Path) -> AsyncIterator[str]:
    """A database a second connection or process can see: a SQLite file, or PostgreSQL."""
    async with _database(f"sqlite://{tmp_path / 'shared.sqlite3'}") as url:
        yield url


@pytest.fixture
async def hub() -> AsyncIterator[InProcessPublisher]:
    """A private in-process publisher for this loop."""
    from domain.messaging import publisher

    hub = publisher.InProcessPublisher()
    publisher.set_publisher(hub)
    yield hub
    publisher.set_publisher(None)
    await hub.close()


@pytest.fixture(autouse=True)
def stored_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Outside data comes from what the test database holds (`tests.stored_provider`), through
    the setting a bank uses to plug in its own provider; a test that sets
    IPCREDIT_PROVIDER_URL deletes this one first."""
    import config

    monkeypatch.setenv("IPCREDIT_PROVIDER_ADAPTER", "tests.stored_provider:StoredProvider")
    config.settings.cache_clear()
    yield
    monkeypatch.delenv("IPCREDIT_PROVIDER_ADAPTER", raising=False)
    config.settings.cache_clear()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private data directory, with settings re-read from the environment."""
    import config

    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("IPCREDIT_DATA_DIR", str(d))
    config.settings.cache_clear()
    yield d
    config.settings.cache_clear()


# Directories whose tests compute without the database unless they ask for it (the `db`
# fixture): on a PostgreSQL run they would only repeat the SQLite run, so they run once.
COMPUTE_ONLY = ("gnn", "domain/scoring", "domain/valuation", "domain/world", "domain/indicators")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a PostgreSQL run, leave out the compute-only tests that never touch a database."""
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    root = Path(__file__).parent
    dirs = [root / d for d in COMPUTE_ONLY]
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        path = Path(str(item.path))
        pure = any(path.is_relative_to(d) for d in dirs)
        if pure and "db" not in getattr(item, "fixturenames", ()):
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
