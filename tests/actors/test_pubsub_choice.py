"""The pub/sub is chosen from explicit settings; sends to the broker never hold the loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

import config
from actors.dispatch import BrokerBusy, OffLoop
from domain.messaging import publisher
from domain.messaging.pg_pubsub import PostgresPublisher
from domain.messaging.publisher import (
    InProcessPublisher,
    RedisPublisher,
    build_publisher,
    pubsub_choice,
)


@pytest.mark.parametrize(
    ("pubsub", "broker", "chosen"),
    [
        (None, None, None),
        ("local", "redis://r:6379/0", None),
        (None, "redis://r:6379/0", "redis://r:6379/0"),
        (None, "amqp://guest:guest@q:5672/", None),
        ("redis://p:6379/1", "amqp://guest:guest@q:5672/", "redis://p:6379/1"),
        ("postgres://u@db:5432/bank", "redis://r:6379/0", "postgres://u@db:5432/bank"),
    ],
)
def test_the_pubsub_follows_the_settings(
    pubsub: str | None, broker: str | None, chosen: str | None
) -> None:
    assert pubsub_choice(pubsub, broker) == chosen


def test_the_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSUB_URL", "postgres://u@db:5432/bank?namespace=east")
    monkeypatch.setenv("IPCREDIT_SEND_TIMEOUT", "0.75")
    s = config.load_settings()
    assert s.pubsub_url == "postgres://u@db:5432/bank?namespace=east"
    assert s.send_timeout_seconds == 0.75
    monkeypatch.setenv("PUBSUB_URL", "kafka://somewhere")
    with pytest.raises(ValueError, match="PUBSUB_URL"):
        config.load_settings()
    monkeypatch.setenv("PUBSUB_URL", "local")
    monkeypatch.setenv("IPCREDIT_SEND_TIMEOUT", "0")
    with pytest.raises(ValueError, match="IPCREDIT_SEND_TIMEOUT"):
        config.load_settings()


async def test_each_url_builds_its_publisher() -> None:
    assert isinstance(build_publisher(None), InProcessPublisher)
    redis = build_publisher("redis://127.0.0.1:1/0?namespace=x", timeout=0.2)
    assert isinstance(redis, RedisPublisher) and redis.namespace == "x"
    pg = build_publisher("postgres://u@127.0.0.1:1/bank?namespace=east", timeout=0.2)
    assert isinstance(pg, PostgresPublisher) and pg.channel == "east"
    assert pg.dsn == "postgresql://u@127.0.0.1:1/bank"
    await redis.close()
    await pg.close()
    publisher.configure("local")
    try:
        assert not publisher.shared()
        assert "this process only" in publisher.describe()
    finally:
        publisher._configured_url.clear()


async def test_an_unreachable_pubsub_fails_in_bounded_time() -> None:
    for url in ("redis://127.0.0.1:1/0", "postgres://u@127.0.0.1:1/bank"):
        pub = build_publisher(url, timeout=0.3)
        started = time.monotonic()
        with pytest.raises((OSError, TimeoutError, RedisConnectionError)):
            await pub.publish("warning", {"warning_id": 1})
        with pytest.raises(publisher.SubscriptionLost):
            await pub.subscribe({"warning"})
        assert time.monotonic() - started < 3
        await pub.close()


async def test_a_stuck_send_times_out_blocks_nothing_and_is_not_sent_twice() -> None:
    release = threading.Event()
    sent: list[str] = []

    def stuck(name: str) -> None:
        release.wait(10)
        sent.append(name)

    off_loop = OffLoop(0.2)
    started = time.monotonic()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while time.monotonic() - started < 0.3:
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.ensure_future(tick())
    with pytest.raises(TimeoutError):
        await off_loop.run(lambda: stuck("a"), key="a")
    await ticking
    assert ticks > 10  # the loop ran all along
    with pytest.raises(BrokerBusy):
        await off_loop.run(lambda: stuck("a"), key="a")
    release.set()
    await asyncio.sleep(0.1)
    await off_loop.run(lambda: stuck("a"), key="a")  # went out late: not again
    await off_loop.run(lambda: stuck("b"), key="b")
    assert sent == ["a", "b"]
