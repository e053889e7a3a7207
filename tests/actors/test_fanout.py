"""Live notices cross API replicas on purpose, for each supported deployment.

Two `ipcredit serve` processes and a worker share one database, a broker and a pub/sub named
by PUBSUB_URL. A warnings subscriber on each replica receives, within a second and exactly
once, the warning caused by an event ingested on the other replica.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.actors import replicas
from tests.actors.replicas import RABBITMQ_URL, WarningsFeed, deployment, ingest, wait_ready

pytestmark = pytest.mark.redis

# (broker, pub/sub) of each deployment this platform supports for several replicas
COMBINATIONS = {
    "redis-broker-redis-pubsub": ("redis", "redis"),
    "rabbitmq-broker-redis-pubsub": ("rabbitmq", "redis"),
    "rabbitmq-broker-postgres-notify": ("rabbitmq", "postgres"),
    "redis-broker-postgres-notify": ("redis", "postgres"),
}
DELIVERY_SECONDS = 1.0
ROUNDS = 3


@pytest.fixture
async def ns() -> AsyncIterator[str]:
    """A private Redis namespace / PostgreSQL channel, its Redis keys removed afterwards."""
    name = replicas.namespace()
    yield name
    await replicas.drop_namespace(name)


def urls(combination: str, database_url: str, ns: str) -> tuple[str, str]:
    """BROKER_URL and PUBSUB_URL of a combination, or skip when a service is missing."""
    import os

    broker, pubsub = COMBINATIONS[combination]
    redis_url = os.environ.get("REDIS_URL")
    if "redis" in (broker, pubsub) and not redis_url:
        pytest.skip("REDIS_URL is not set")
    if broker == "rabbitmq" and not replicas.port_open(RABBITMQ_URL, 5672):
        pytest.skip("RabbitMQ does not answer")
    if pubsub == "postgres" and not database_url.startswith("postgres"):
        pytest.skip("LISTEN/NOTIFY needs the PostgreSQL test database")
    assert redis_url is not None or broker != "redis"
    broker_url = (
        replicas.with_query(str(redis_url), namespace=ns, heartbeat_timeout="5000")
        if broker == "redis"
        else RABBITMQ_URL
    )
    pubsub_url = replicas.with_query(
        str(redis_url) if pubsub == "redis" else database_url, namespace=ns
    )
    return broker_url, pubsub_url


async def worker_ready(processes: replicas.Processes, name: str) -> None:
    deadline = time.monotonic() + 60
    log = processes.tmp / f"{name}.log"
    while "ready" not in (log.read_text() if log.exists() else ""):
        processes.check()
        assert time.monotonic() < deadline, "the worker never started\n" + processes.logs()
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("combination", list(COMBINATIONS))
async def test_a_warning_reaches_the_subscribers_of_every_replica(
    combination: str, shared_db: str, tmp_path: Path, ns: str
) -> None:
    broker_url, pubsub_url = urls(combination, shared_db, ns)
    seeded = await replicas.seed(firms=ROUNDS + 1)
    with deployment(
        tmp_path, DATABASE_URL=shared_db, BROKER_URL=broker_url, PUBSUB_URL=pubsub_url
    ) as processes:
        a, b = processes.api("api-a"), processes.api("api-b")
        processes.worker("worker")
        await asyncio.gather(wait_ready(processes, a), wait_ready(processes, b))
        await worker_ready(processes, "worker")
        async with (
            httpx.AsyncClient(base_url=a, timeout=10) as on_a,
            httpx.AsyncClient(base_url=b, timeout=10) as on_b,
            WarningsFeed(a, seeded.staff) as feed_a,
            WarningsFeed(b, seeded.staff) as feed_b,
        ):
            # the first warning warms every path up (connections, the worker's first message)
            await ingest(on_b, seeded.feed, "warm-up", seeded.usccs[0])
            first = [await feed.next(30) for feed in (feed_a, feed_b)]
            assert first[0] == first[1] and first[0] is not None, processes.logs()
            seen = {first[0]["id"]}
            for n in range(ROUNDS):
                # alternate: raised through B heard on A, and the other way round
                client = on_b if n % 2 == 0 else on_a
                started = time.monotonic()
                await ingest(client, seeded.feed, f"fan-{n}", seeded.usccs[n + 1])
                heard = await asyncio.gather(
                    feed_a.next(DELIVERY_SECONDS * 5), feed_b.next(DELIVERY_SECONDS * 5)
                )
                took = time.monotonic() - started
                assert heard[0] == heard[1] and heard[0] is not None
                assert heard[0]["id"] not in seen
                seen.add(heard[0]["id"])
                assert took < DELIVERY_SECONDS, f"{combination}: {took:.3f} s"
                print(f"{combination}: event to both subscribers in {took * 1000:.0f} ms")
            # nothing more arrives: each warning was pushed once
            for feed in (feed_a, feed_b):
                with pytest.raises(TimeoutError):
                    await feed.next(0.5)
        processes.check()
