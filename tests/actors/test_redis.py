"""Against a real Redis (REDIS_URL): pub/sub fan-out and a feed that replays then goes live."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from db.models import RiskWarning, WarningLevel
from domain.messaging.outbox import dispatch_pending
from domain.messaging.publisher import RedisPublisher, SubscriptionLost, split_url
from domain.monitoring.feed import subscribe_warnings
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import in_retried_transaction, raise_warning
from tests.actors.conftest import redis_url
from tests.domain.monitoring.helpers import Portfolio, make_portfolio

pytestmark = pytest.mark.redis


@pytest.fixture
async def namespace() -> AsyncIterator[str]:
    """A private key prefix, with every key under it removed afterwards."""
    import redis.asyncio as aioredis

    url = redis_url()
    ns = f"ipcredit-test-{uuid.uuid4().hex[:10]}"
    yield ns
    client = aioredis.Redis.from_url(split_url(url)[0])
    async for key in client.scan_iter(match=f"{ns}*"):
        await client.delete(key)
    await client.aclose()  # type: ignore[attr-defined]


def publisher(namespace: str) -> RedisPublisher:
    return RedisPublisher(redis_url(), namespace=namespace)


async def test_notices_reach_every_subscriber_in_order(namespace: str) -> None:
    sender, receiver = publisher(namespace), publisher(namespace)
    try:
        await sender.publish("warning", {"warning_id": 0})  # nobody listens yet
        first = await receiver.subscribe({"warning"})
        second = await receiver.subscribe({"warning", "application_updated"})
        for i in range(1, 6):
            await sender.publish("warning", {"warning_id": i})
        await sender.publish("application_updated", {"application_id": 9})
        got = [(await asyncio.wait_for(first.get(), 5)).payload["warning_id"] for _ in range(5)]
        assert got == [1, 2, 3, 4, 5]
        topics = [(await asyncio.wait_for(second.get(), 5)).topic for _ in range(6)]
        assert topics == ["warning"] * 5 + ["application_updated"]
        await first.close()
        await second.close()
    finally:
        await receiver.close()
        await sender.close()


async def test_other_namespaces_are_not_heard(namespace: str) -> None:
    mine, other = publisher(namespace), publisher(namespace + "-other")
    try:
        sub = await mine.subscribe({"warning"})
        await other.publish("warning", {"warning_id": 1})
        await mine.publish("warning", {"warning_id": 2})
        assert (await asyncio.wait_for(sub.get(), 5)).payload == {"warning_id": 2}
    finally:
        await other.close()
        await mine.close()
    with pytest.raises(SubscriptionLost):
        await sub.get()


async def put(p: Portfolio, n: int) -> RiskWarning:
    draft = WarningDraft(WarningLevel.YELLOW, f"k{n}", "m", "T", {})
    result = await in_retried_transaction(
        lambda conn: raise_warning(draft, enterprise_id=p.a.id, conn=conn)
    )
    assert result.warning is not None
    return result.warning


async def test_reconnecting_subscriber_gets_every_warning_in_order(
    db: str, data_dir: Any, namespace: str
) -> None:
    p = await make_portfolio()
    sender, api = publisher(namespace), publisher(namespace)

    async def send(topic: str, payload: dict[str, Any]) -> None:
        if topic == "warning":
            await sender.publish(topic, payload)

    try:
        made = [await put(p, i) for i in range(3)]
        await dispatch_pending(send)
        feed = subscribe_warnings(principal=p.staff, after_id=0, publisher=api)
        seen = [(await asyncio.wait_for(anext(feed), 5)).id for _ in range(2)]
        await feed.aclose()  # the client drops after two
        made += [await put(p, i) for i in range(3, 6)]
        await dispatch_pending(send)
        again = subscribe_warnings(principal=p.staff, after_id=seen[-1], publisher=api)
        seen += [(await asyncio.wait_for(anext(again), 5)).id for _ in range(4)]
        made.append(await put(p, 6))
        await dispatch_pending(send)
        seen.append((await asyncio.wait_for(anext(again), 5)).id)
        await again.aclose()
        assert seen == [w.id for w in made]
    finally:
        await api.close()
        await sender.close()
