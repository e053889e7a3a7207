"""A broker or pub/sub that accepts connections and never answers (a black hole) freezes
nothing: API requests answer within a second, the messages wait in the outbox, and when a
real Redis takes the address over each goes out once (the worker side of a broker coming
back is in test_redis_restart.py).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from db.models import Event, OutboxMessage, RiskWarning
from tests.actors import replicas
from tests.actors.replicas import (
    BlackHole,
    Processes,
    WarningsFeed,
    deployment,
    ingest,
    need_own_redis,
    redis_server,
    wait_ready,
)

pytestmark = pytest.mark.redis

EVENTS = 4
ANSWER_SECONDS = 1.0
SEND_TIMEOUT = "0.5"


@pytest.fixture
async def ns() -> AsyncIterator[str]:
    """A private namespace, its keys removed from the shared Redis afterwards."""
    name = replicas.namespace()
    yield name
    await replicas.drop_namespace(name)


async def answers_quickly(client: httpx.AsyncClient, token: str) -> list[float]:
    """Seconds taken by a health check and a GraphQL query: both must be short."""
    timings = []
    for request in (
        client.build_request("GET", "/healthz"),
        client.build_request(
            "POST", "/graphql", json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {token}"},
        ),
    ):  # fmt: skip
        started = time.monotonic()
        answer = await client.send(request)
        timings.append(time.monotonic() - started)
        assert answer.status_code == 200, answer.text
    return timings


async def wait_for(check: object, processes: Processes, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not await check():  # type: ignore[operator]
        processes.check()
        assert time.monotonic() < deadline, f"{what}\n{processes.logs()}"
        await asyncio.sleep(0.1)


async def pending(topic: str) -> int:
    return await OutboxMessage.filter(topic=topic, published_at__isnull=True).count()


async def test_a_black_holed_broker_then_a_real_one_sends_each_message_once(
    shared_db: str, tmp_path: Path, ns: str
) -> None:
    need_own_redis()
    seeded = await replicas.seed(firms=EVENTS)
    hole = BlackHole()
    url = f"redis://127.0.0.1:{hole.port}/0"
    env = {"DATABASE_URL": shared_db, "IPCREDIT_SEND_TIMEOUT": SEND_TIMEOUT,
           "BROKER_URL": replicas.with_query(url, namespace=ns, heartbeat_timeout="5000"),
           "PUBSUB_URL": replicas.with_query(url, namespace=ns)}  # fmt: skip
    try:
        with deployment(tmp_path, **env) as processes:
            api = processes.api("api")
            await wait_ready(processes, api, path="/healthz")
            async with httpx.AsyncClient(base_url=api, timeout=10) as client:
                took = [
                    await ingest(client, seeded.feed, f"hole-{i}", uscc)
                    for i, uscc in enumerate(seeded.usccs)
                ]
                await asyncio.sleep(1.0)  # dispatch rounds keep hitting the black hole
                took += await answers_quickly(client, seeded.feed)
            assert max(took) < ANSWER_SECONDS, took
            print(f"slowest answer with a black-holed broker: {max(took) * 1000:.0f} ms")
            assert await pending("process_event") == EVENTS

            hole.close()
            with redis_server(hole.port, tmp_path / "redis"):
                await wait_for(
                    lambda: _none_pending("process_event"), processes, "the outbox never drained"
                )
                await asyncio.sleep(1.0)  # a late duplicate would land now
                import redis.asyncio as aioredis

                queued = aioredis.Redis.from_url(url)
                # every message is in the broker's queue, once: none lost, none twice
                assert await queued.hlen(f"{ns}:default.msgs") == EVENTS
                assert await queued.llen(f"{ns}:default") == EVENTS
                await queued.aclose()  # type: ignore[attr-defined]
    finally:
        hole.close()


async def test_a_black_holed_pubsub_holds_notices_until_it_answers(
    shared_db: str, tmp_path: Path, ns: str
) -> None:
    need_own_redis()
    seeded = await replicas.seed(firms=EVENTS)
    hole = BlackHole()
    url = f"redis://127.0.0.1:{hole.port}/0"
    broker = replicas.with_query(
        str(os.environ["REDIS_URL"]), namespace=ns, heartbeat_timeout="5000"
    )
    env = {"DATABASE_URL": shared_db, "IPCREDIT_SEND_TIMEOUT": SEND_TIMEOUT,
           "BROKER_URL": broker, "PUBSUB_URL": replicas.with_query(url, namespace=ns)}  # fmt: skip
    try:
        with deployment(tmp_path, **env) as processes:
            api = processes.api("api")
            processes.worker("worker")
            await wait_ready(processes, api, path="/healthz")
            async with httpx.AsyncClient(base_url=api, timeout=10) as client:
                took = [
                    await ingest(client, seeded.feed, f"quiet-{i}", uscc)
                    for i, uscc in enumerate(seeded.usccs)
                ]
                await wait_for(_all_processed, processes, "the worker did not process them")
                took += await answers_quickly(client, seeded.feed)
                assert max(took) < ANSWER_SECONDS, took
                print(f"slowest answer with a black-holed pub/sub: {max(took) * 1000:.0f} ms")
                assert await pending("warning") == EVENTS  # held: nobody heard them

                hole.close()
                with redis_server(hole.port, tmp_path / "redis"):
                    await wait_for(lambda: _none_pending("warning"), processes, "still held")
                    took = await answers_quickly(client, seeded.feed)
                    assert max(took) < ANSWER_SECONDS, took
    finally:
        hole.close()
    assert await RiskWarning.all().count() == EVENTS


async def _none_pending(topic: str) -> bool:
    return await pending(topic) == 0


async def _all_processed() -> bool:
    return await Event.filter(processed_at__isnull=False).count() == EVENTS


async def test_black_holed_rabbitmq_and_postgres_notices_freeze_nothing(
    shared_db: str, tmp_path: Path
) -> None:
    seeded = await replicas.seed(firms=EVENTS)
    broker_hole, pubsub_hole = BlackHole(), BlackHole()
    env = {"DATABASE_URL": shared_db, "IPCREDIT_SEND_TIMEOUT": SEND_TIMEOUT,
           "BROKER_URL": f"amqp://guest:guest@127.0.0.1:{broker_hole.port}/",
           "PUBSUB_URL": f"postgres://postgres@127.0.0.1:{pubsub_hole.port}/bank"}  # fmt: skip
    try:
        with deployment(tmp_path, **env) as processes:
            api = processes.api("api")
            await wait_ready(processes, api, path="/healthz")
            async with httpx.AsyncClient(base_url=api, timeout=10) as client:
                took = [
                    await ingest(client, seeded.feed, f"amqp-{i}", uscc)
                    for i, uscc in enumerate(seeded.usccs)
                ]
                await asyncio.sleep(1.0)
                took += await answers_quickly(client, seeded.feed)
                async with WarningsFeed(api, seeded.staff) as feed:
                    # the live half cannot start: the stream ends, in bounded time
                    assert await feed.next(10) is None and feed.errors
                took += await answers_quickly(client, seeded.feed)
            assert max(took) < ANSWER_SECONDS, took
            assert await pending("process_event") == EVENTS
    finally:
        broker_hole.close()
        pubsub_hole.close()
