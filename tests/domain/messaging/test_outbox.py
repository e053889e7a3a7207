"""The outbox dispatcher: in order, at least once, a failure holds back what follows it."""

from __future__ import annotations

import asyncio
from typing import Any

from db.models import OutboxMessage
from domain.messaging import outbox
from domain.messaging.outbox import Dispatcher, Undeliverable, dispatch_pending, pending_count


async def fill(n: int) -> list[int]:
    return [
        (await OutboxMessage.create(topic="t", key=str(i), payload={"i": i})).id for i in range(n)
    ]


async def test_sends_in_order_and_marks_published(db: str) -> None:
    await fill(5)
    got: list[int] = []

    async def send(topic: str, payload: dict[str, Any]) -> None:
        got.append(payload["i"])

    assert await dispatch_pending(send, batch=3) == 3
    assert await dispatch_pending(send, batch=3) == 2
    assert await dispatch_pending(send) == 0
    assert got == [0, 1, 2, 3, 4]
    assert await pending_count() == 0


async def test_a_failed_send_holds_back_the_rest_in_order(db: str) -> None:
    await fill(4)
    got: list[int] = []
    fail = {2}

    def send(topic: str, payload: dict[str, Any]) -> None:
        if payload["i"] in fail:
            raise ConnectionError("broker down")
        got.append(payload["i"])

    assert await dispatch_pending(send) == 2
    assert await pending_count() == 2
    fail.clear()
    assert await dispatch_pending(send) == 2
    assert got == [0, 1, 2, 3]


async def test_undeliverable_messages_are_dropped_not_retried(db: str) -> None:
    await fill(3)
    got: list[int] = []

    def send(topic: str, payload: dict[str, Any]) -> None:
        if payload["i"] == 1:
            raise Undeliverable("unknown topic")
        got.append(payload["i"])

    assert await dispatch_pending(send) == 3
    assert got == [0, 2] and await pending_count() == 0


async def test_the_dispatcher_loop_wakes_on_notify(db: str) -> None:
    got: list[int] = []
    arrived = asyncio.Event()

    def send(topic: str, payload: dict[str, Any]) -> None:
        got.append(payload["i"])
        arrived.set()

    # a long poll interval: only the wake-up can make this fast
    dispatcher = Dispatcher(send, poll_interval=30)
    task = asyncio.create_task(dispatcher.run())
    await asyncio.sleep(0.05)
    await fill(1)
    outbox.notify()
    await asyncio.wait_for(arrived.wait(), timeout=5)
    dispatcher.stop()
    await asyncio.wait_for(task, timeout=5)
    assert got == [0] and dispatcher.sent == 1


async def test_a_dispatcher_can_keep_to_some_topics(db: str) -> None:
    for topic in ("process_event", "warning", "process_event"):
        await OutboxMessage.create(topic=topic, key="k", payload={"t": topic})
    got: list[str] = []

    def send(topic: str, payload: dict[str, Any]) -> None:
        got.append(topic)

    assert await dispatch_pending(send, topics={"process_event"}) == 2
    assert got == ["process_event", "process_event"]
    assert await pending_count() == 1
