"""Redis (broker and pub/sub) stopped and started again under a live API and worker.

While it is away, API requests answer within a second and what they cause waits in the
outbox; when it is back, every message goes out, each event is processed once, and a warnings
subscriber that lost its stream resumes by cursor and receives every warning exactly once.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from db.models import Event, OutboxMessage, RiskWarning
from tests.actors import replicas
from tests.actors.replicas import (
    WarningsFeed,
    deployment,
    ingest,
    need_own_redis,
    redis_server,
    wait_ready,
)
from tests.live_server import free_port

pytestmark = pytest.mark.redis

ANSWER_SECONDS = 1.0
AWAY = 3  # events ingested while Redis is stopped


async def processed() -> int:
    return await Event.filter(processed_at__isnull=False).count()


async def test_redis_stopped_and_started_again_loses_and_duplicates_nothing(
    shared_db: str, tmp_path: Path
) -> None:
    need_own_redis()
    seeded = await replicas.seed(firms=AWAY + 1)
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    env = {"DATABASE_URL": shared_db, "BROKER_URL": replicas.with_query(url, heartbeat_timeout="5000"),
           "PUBSUB_URL": url, "IPCREDIT_SEND_TIMEOUT": "0.5"}  # fmt: skip
    with deployment(tmp_path, **env) as processes:
        with redis_server(port, tmp_path / "redis") as redis:
            api = processes.api("api")
            processes.worker("worker")
            await wait_ready(processes, api)
            async with httpx.AsyncClient(base_url=api, timeout=10) as client:
                async with WarningsFeed(api, seeded.staff) as feed:
                    await ingest(client, seeded.feed, "before", seeded.usccs[0])
                    first = await feed.next(30)
                    assert first is not None, processes.logs()
                    redis.terminate()
                    redis.wait(timeout=20)
                    # the live stream breaks: the client is told, and resumes by cursor
                    assert await feed.next(15) is None
                took = [
                    await ingest(client, seeded.feed, f"away-{i}", uscc)
                    for i, uscc in enumerate(seeded.usccs[1:])
                ]
                assert max(took) < ANSWER_SECONDS, took
                print(f"slowest ingest while Redis was stopped: {max(took) * 1000:.0f} ms")
                assert await processed() == 1
        with redis_server(port, tmp_path / "redis"):
            async with WarningsFeed(api, seeded.staff, after=first["cursor"]) as again:
                resumed = [await again.next(60) for _ in range(AWAY)]
                assert None not in resumed, (again.errors, processes.logs())
                with pytest.raises(TimeoutError):
                    await again.next(1.0)  # nothing twice
            deadline = time.monotonic() + 30
            while await OutboxMessage.filter(published_at__isnull=True).exists():
                assert time.monotonic() < deadline, processes.logs()
                await asyncio.sleep(0.1)
    warnings = await RiskWarning.all().order_by("id")
    assert len(warnings) == AWAY + 1 and await processed() == AWAY + 1
    assert len({w["id"] for w in resumed if w is not None}) == AWAY
    for w in warnings:
        assert len(w.evidence["events"]) == 1
