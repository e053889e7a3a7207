"""Broker set-up: brokers by URL, retries, dead letters."""

from __future__ import annotations

import time
from typing import Any

import dramatiq
import pytest
from dramatiq import Broker

from db.models import DeadLetter


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (None, "StubBroker"),
        ("redis://127.0.0.1:6379/15?namespace=x&heartbeat_timeout=5000", "RedisBroker"),
        ("amqp://guest:guest@127.0.0.1:5672/", "RabbitmqBroker"),
    ],
)
def test_brokers_by_url(url: str | None, kind: str) -> None:
    from actors.broker import build_broker
    from actors.middleware import AsyncOrm, DeadLetters

    broker = build_broker(url)
    assert type(broker).__name__ == kind
    names = [type(m).__name__ for m in broker.middleware]
    assert names.index("DeadLetters") < names.index("Retries")
    assert any(isinstance(m, AsyncOrm) for m in broker.middleware)
    assert any(isinstance(m, DeadLetters) for m in broker.middleware)
    if kind == "RedisBroker":
        assert broker.namespace == "x" and broker.heartbeat_timeout == 5000  # type: ignore[attr-defined]


def test_an_unknown_broker_url_is_refused() -> None:
    from actors.broker import build_broker

    with pytest.raises(ValueError, match="BROKER_URL"):
        build_broker("kafka://somewhere")


async def test_transient_failures_retry_then_land_in_dead_letters(
    shared_db: str, stub_broker: Broker
) -> None:
    from actors.runtime import Runtime

    calls: list[int] = []

    async def flaky(n: int) -> None:
        calls.append(n)
        raise ConnectionError("database went away")

    if "flaky_for_test" not in stub_broker.get_declared_actors():
        dramatiq.actor(
            actor_name="flaky_for_test", broker=stub_broker, max_retries=2, min_backoff=10,
            max_backoff=20,
        )(flaky)  # fmt: skip
    actor: Any = stub_broker.get_actor("flaky_for_test")
    actor.fn = dramatiq.asyncio.async_to_sync(flaky)
    runtime = Runtime(database_url=shared_db, worker_threads=1, scheduler=False)
    await runtime.start()
    try:
        actor.send(7)
        deadline = time.monotonic() + 20
        while not await DeadLetter.filter(actor="flaky_for_test").exists():
            assert time.monotonic() < deadline, calls
            await _sleep()
    finally:
        await runtime.stop()
    letter = await DeadLetter.get(actor="flaky_for_test")
    assert calls == [7, 7, 7]
    assert letter.args == [7] and "gave up after 3 failed attempts" in letter.error


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.05)
