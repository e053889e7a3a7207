"""A subscriber on a process whose pub/sub connection drops misses no stored warning: with
Redis, a feed resumed by cursor while the failed reader still closes gets a live reader, and a
client that reconnects and subscribes again by itself makes every feed replay the gap from its
cursor; with PostgreSQL LISTEN the feed ends and the resume by cursor returns what was notified
meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from db.models import RiskWarning
from domain.messaging.outbox import dispatch_pending
from domain.messaging.pg_pubsub import PostgresPublisher
from domain.messaging.publisher import (
    InProcessPublisher,
    RedisPublisher,
    SubscriptionGap,
    SubscriptionLost,
    split_url,
)
from domain.monitoring.feed import subscribe_warnings
from tests.actors.conftest import end_listening_connection, redis_url
from tests.actors.test_redis import put
from tests.domain.monitoring.helpers import make_portfolio


async def publish_warnings(send: Callable[[str, dict[str, Any]], Any]) -> None:
    """What the dispatcher does: send each pending warning notice."""

    def only_warnings(topic: str, payload: dict[str, Any]) -> Any:
        return send(topic, payload) if topic == "warning" else None

    await dispatch_pending(only_warnings)


async def take(feed: AsyncIterator[RiskWarning], n: int) -> list[int]:
    return [(await asyncio.wait_for(anext(feed), 10)).id for _ in range(n)]


async def kill_pubsub(url: str, name: str) -> None:
    """Close the pub/sub connection of the client named `name`, as a Redis restart or a network
    cut would (the server and every other client go on)."""
    import redis.asyncio as aioredis

    admin = aioredis.Redis.from_url(split_url(url)[0])
    try:
        for client in await admin.client_list(_type="pubsub"):
            if client.get("name") == name:
                await admin.client_kill_filter(_id=client["id"])
    finally:
        await admin.aclose()  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def named_publishers(
    options: str = "",
) -> AsyncIterator[tuple[str, str, RedisPublisher, RedisPublisher]]:
    """(url, name, api, sender) in a namespace of their own: the API side's pub/sub connection
    carries the client name `name` (so a test can cut it alone, with `options` added to its
    URL); the sender publishes as another process would. Both are closed afterwards."""
    url = redis_url()
    ns = f"ipcredit-test-{uuid.uuid4().hex[:10]}"
    name = f"gap-{uuid.uuid4().hex[:10]}"
    sep = "&" if "?" in url else "?"
    api = RedisPublisher(f"{url}{sep}client_name={name}{options}", namespace=ns)
    sender = RedisPublisher(url, namespace=ns)
    try:
        yield url, name, api, sender
    finally:
        await api.close()
        await sender.close()


@pytest.mark.redis
async def test_redis_reconnect_replays_what_was_published_in_the_gap(
    db: str, data_dir: Path
) -> None:
    import redis

    # a client told to retry reconnects and subscribes again by itself, without a word
    async with named_publishers("&retry_on_timeout=true") as (url, name, api, sender):
        admin = redis.Redis.from_url(split_url(url)[0])
        heard: list[int] = []

        def kill_then_publish(topic: str, payload: dict[str, Any]) -> None:
            """Blocking calls: the event loop (and the API's reader) cannot run in between, so
            the notice is published while the API process has no subscription: it is lost."""
            for client in admin.client_list(_type="pubsub"):
                if client.get("name") == name:
                    admin.client_kill_filter(_id=client["id"])
            heard.append(int(admin.publish(api.channel(topic), json.dumps(payload))))

        p = await make_portfolio()
        try:
            made = [(await put(p, i)).id for i in range(2)]
            await publish_warnings(sender.publish)
            feed = subscribe_warnings(principal=p.staff, after_id=0, publisher=api)
            watcher = await api.subscribe({"warning"})
            got = await take(feed, 2)
            made.append((await put(p, 2)).id)
            await publish_warnings(kill_then_publish)
            assert heard == [0]  # the gap is real: nobody received that notice
            with pytest.raises(SubscriptionGap):  # the reconnect is noticed, the stream goes on
                await asyncio.wait_for(watcher.get(), 10)
            got += await take(feed, 1)  # replayed from the database
            made.append((await put(p, 3)).id)
            await publish_warnings(sender.publish)
            got += await take(feed, 1)  # and live again
            assert got == made
            assert (await asyncio.wait_for(watcher.get(), 10)).payload["warning_id"] == made[-1]
            await watcher.close()
            await feed.aclose()
        finally:
            admin.close()


@pytest.mark.redis
async def test_a_feed_resumed_while_the_lost_reader_closes_stays_live(
    db: str, data_dir: Path
) -> None:
    """The reader that lost Redis ends every subscription, then closes its connection: a client
    resuming by cursor at that moment must get a live reader, not the closing one (which would
    never deliver to it, nor end it)."""
    async with named_publishers() as (url, name, api, sender):
        p = await make_portfolio()
        made = [(await put(p, i)).id for i in range(2)]
        feed = subscribe_warnings(principal=p.staff, after_id=0, publisher=api)
        got = await take(feed, 2)
        made.append((await put(p, 2)).id)  # its notice waits in the outbox
        await kill_pubsub(url, name)
        with pytest.raises(SubscriptionLost):
            await anext(feed)  # no wait_for: this task wakes as soon as the feed ends
        again = subscribe_warnings(principal=p.staff, after_id=got[-1], publisher=api)
        got.append((await anext(again)).id)  # resumed at once: replayed from its cursor
        made.append((await put(p, 3)).id)
        await publish_warnings(sender.publish)
        got += await take(again, 1)  # and live
        assert got == made
        await again.aclose()


@pytest.mark.postgres
async def test_a_lost_listen_connection_ends_the_feed_and_the_cursor_resumes(
    db: str, data_dir: Path
) -> None:
    if not db.startswith("postgres"):
        pytest.skip("LISTEN/NOTIFY needs the PostgreSQL test database")
    ns = f"t{uuid.uuid4().hex[:10]}"
    api = PostgresPublisher(f"{db}?namespace={ns}")
    sender = PostgresPublisher(f"{db}?namespace={ns}")
    p = await make_portfolio()
    try:
        made = [(await put(p, i)).id for i in range(2)]
        feed = subscribe_warnings(principal=p.staff, after_id=0, publisher=api)
        got = await take(feed, 2)
        await end_listening_connection(db, api)
        made.append((await put(p, 2)).id)
        await publish_warnings(sender.publish)  # notified while nobody listens here
        with pytest.raises(SubscriptionLost):  # the socket closes instead of skipping it
            await asyncio.wait_for(anext(feed), 10)
        again = subscribe_warnings(principal=p.staff, after_id=got[-1], publisher=api)
        got += await take(again, 1)
        made.append((await put(p, 3)).id)
        await publish_warnings(sender.publish)
        got += await take(again, 1)
        assert got == made
        await again.aclose()
    finally:
        await api.close()
        await sender.close()


async def test_in_process_gap_replays_from_the_cursor_without_duplicates(
    db: str, data_dir: Path, hub: InProcessPublisher
) -> None:
    """Where the gap is signalled, only what was not delivered yet is replayed."""
    p = await make_portfolio()
    made = [(await put(p, i)).id for i in range(2)]
    await publish_warnings(hub.publish)  # before anyone listens
    feed = subscribe_warnings(principal=p.staff, publisher=hub)
    waiting = asyncio.ensure_future(anext(feed))
    await asyncio.sleep(0.05)  # subscribed, without a cursor: only what comes from now on
    made += [(await put(p, i)).id for i in range(2, 4)]
    await publish_warnings(hub.publish)  # made[2] and made[3] delivered live
    got = [(await asyncio.wait_for(waiting, 10)).id] + await take(feed, 1)
    made += [(await put(p, i)).id for i in range(4, 6)]  # their notices are lost
    await dispatch_pending(lambda topic, payload: None)
    hub.gap_all("test")
    got += await take(feed, 2)
    made.append((await put(p, 6)).id)
    await publish_warnings(hub.publish)
    got += await take(feed, 1)
    assert got == made[2:]
    await feed.aclose()
