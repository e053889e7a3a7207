"""Fixtures: a database that worker threads can share, the embedded broker, a clean hub."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from dramatiq import Broker

from domain.monitoring import publisher as pub


@pytest.fixture
async def shared_db(tmp_path: Path, data_dir: Path) -> AsyncIterator[str]:
    """A database a second connection can see: a SQLite file, or a fresh PostgreSQL database."""
    from db.connection import close_db, init_db
    from tests.conftest import _drop_postgres, _fresh_postgres, database_url

    base = database_url()
    name = None
    url = f"sqlite://{tmp_path / 'actors.sqlite3'}"
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
def stub_broker() -> Iterator[Broker]:
    """The process's embedded broker with empty queues (skipped when BROKER_URL is set)."""
    from actors import all as _declared  # noqa: F401
    from actors.broker import get_broker, in_process

    broker = get_broker()
    if not in_process(broker):
        pytest.skip("BROKER_URL is set: the embedded broker is not in use")
    broker.flush_all()
    yield broker
    broker.flush_all()


@pytest.fixture
async def hub() -> AsyncIterator[pub.InProcessPublisher]:
    """A private in-process publisher for this loop."""
    publisher = pub.InProcessPublisher()
    pub.set_publisher(publisher)
    yield publisher
    pub.set_publisher(None)
    await publisher.close()


def redis_url() -> str:
    """REDIS_URL, or skip the test."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    return url
