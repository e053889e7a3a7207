"""Fixtures: the embedded broker with empty queues, and the Redis URL when one is configured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from dramatiq import Broker


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


def redis_url() -> str:
    """REDIS_URL, or skip the test."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    return url


async def end_listening_connection(db: str, publisher: Any) -> None:
    """End a PostgresPublisher's LISTEN connection from the server side (pg_terminate_backend)."""
    import asyncpg

    listener = publisher._listener
    assert listener is not None
    admin = await asyncpg.connect(db.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", listener.get_server_pid())
    finally:
        await admin.close()
