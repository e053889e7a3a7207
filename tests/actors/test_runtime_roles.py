"""A split runtime: the app dispatches only its subscribers' notices, the worker process the
rest, with worker threads only in the worker process."""

from __future__ import annotations

import asyncio
import threading
import time

from dramatiq import Broker
from dramatiq.worker import _WorkerThread

from db.models import OutboxMessage
from domain.messaging import outbox
from domain.messaging import publisher as pub


def _worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if isinstance(t, _WorkerThread)]


async def _sent(topic: str) -> bool:
    row = await OutboxMessage.get(topic=topic)
    return row.published_at is not None


async def _until_sent(topic: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await _sent(topic):
        assert time.monotonic() < deadline, f"{topic} was not sent"
        await asyncio.sleep(0.02)


async def test_the_app_sends_notices_and_leaves_actor_messages(
    shared_db: str, stub_broker: Broker, hub: pub.InProcessPublisher
) -> None:
    from actors.runtime import Runtime

    runtime = Runtime(database_url=shared_db, role="app", poll_interval=5.0)
    sub = await hub.subscribe({"warning"})
    await runtime.start()
    try:
        assert (runtime.mode, runtime.threads, runtime.worker) == ("app", 0, None)
        assert _worker_threads() == []
        await OutboxMessage.create(topic="process_event", key="e", payload={"event_id": "e"})
        await OutboxMessage.create(topic="warning", key="7", payload={"warning_id": 7})
        outbox.notify()  # the wake-up, not the five-second poll, sends it
        notice = await asyncio.wait_for(sub.get(), 2)
        assert notice.payload == {"warning_id": 7}
        await _until_sent("warning", within=2)
        assert not await _sent("process_event")
        assert stub_broker.queues["default"].qsize() == 0  # type: ignore[attr-defined]
    finally:
        await runtime.stop()


async def test_the_worker_process_sends_actor_messages_and_leaves_notices(
    shared_db: str, stub_broker: Broker, hub: pub.InProcessPublisher
) -> None:
    from actors.runtime import Runtime

    sub = await hub.subscribe({"warning"})
    await OutboxMessage.create(topic="warning", key="7", payload={"warning_id": 7})
    await OutboxMessage.create(topic="process_event", key="e", payload={"event_id": "none"})
    runtime = Runtime(database_url=shared_db, role="workers", worker_threads=1, scheduler=False)
    await runtime.start()
    try:
        assert runtime.mode == "threads" and runtime.threads == 1
        assert len(_worker_threads()) == 1
        await _until_sent("process_event")
        assert not await _sent("warning")
        assert sub.queue.qsize() == 0  # type: ignore[attr-defined]
    finally:
        await runtime.stop()
