"""Where each outbox topic goes: an actor message, or a notice to subscribers.

Nothing here blocks the event loop: a network broker's client is synchronous, so its sends run
in a thread of their own, one at a time, each bounded by IPCREDIT_SEND_TIMEOUT; notices go
through the async publisher under the same bound. A send that times out leaves its message in
the outbox; while a timed-out send is still stuck in its thread, later rounds fail at once
(`BrokerBusy`) instead of piling up threads, and the dispatcher backs off.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from dramatiq import Broker
from dramatiq.brokers.stub import StubBroker

from db.models import OutboxMessage
from domain.messaging.outbox import Undeliverable
from domain.messaging.publisher import current_publisher
from domain.messaging.topics import PUBLISHED, actor_call


class BrokerBusy(Exception):
    """An earlier send to the broker has not returned yet: try again later."""


class OffLoop:
    """Runs blocking sends in one thread of its own, each awaited for at most `timeout` s.

    A send that timed out may still succeed later in its thread (the broker was only slow):
    when the dispatcher offers the same message again, that late success counts as sent, so
    it does not go out twice.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="broker-send")
        self._last: concurrent.futures.Future[None] | None = None
        self._last_key: str | None = None
        self._late = False

    async def run(self, call: Callable[[], Any], *, key: str) -> None:
        """Run `call` (sending message `key`) in the sending thread; TimeoutError when it
        takes longer than allowed, BrokerBusy while an earlier one is still stuck."""
        last = self._last
        if last is not None:
            if not last.done():
                raise BrokerBusy("an earlier send to the broker is still waiting for an answer")
            went_out_late = self._late and self._last_key == key and last.exception() is None
            self._last, self._late = None, False
            if went_out_late:
                return
        future = self._pool.submit(call)
        self._last, self._last_key = future, key
        try:
            # shielded: a timed-out send goes on in its thread; the next round looks at it
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), self.timeout)
        except TimeoutError:
            self._late = True
            raise
        self._last = None


def send_timeout() -> float:
    """IPCREDIT_SEND_TIMEOUT, seconds."""
    from config import settings

    return settings().send_timeout_seconds


def broker_send(
    broker: Broker, *, timeout: float | None = None
) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """Send actor topics to the broker and published topics to the pub/sub, off the loop."""
    from actors import all as _declared  # noqa: F401 - the actors must be declared to be found

    limit = send_timeout() if timeout is None else timeout
    off_loop = OffLoop(limit)
    in_memory = isinstance(broker, StubBroker)

    async def send(topic: str, payload: dict[str, Any]) -> None:
        if topic in PUBLISHED:
            await asyncio.wait_for(current_publisher().publish(topic, payload), limit)
            return
        name, args = actor_call(topic, payload)
        options = {"request_id": payload["request_id"]} if payload.get("request_id") else {}
        actor = broker.get_actor(name)
        if in_memory:  # the embedded broker's queues are in memory: nothing to wait for
            actor.send_with_options(args=args, **options)
            return
        key = json.dumps([topic, payload], sort_keys=True, default=str)
        await off_loop.run(lambda: actor.send_with_options(args=args, **options), key=key)

    return send


async def drain_inline(*, limit: int = 100_000) -> int:
    """Run every pending outbox message right here, without a broker (a CLI with --inline).

    Not for a process where a dispatcher runs: this does not lock the rows it handles.
    """
    from actors.all import HANDLERS

    done = 0
    while done < limit:
        row = await OutboxMessage.filter(published_at__isnull=True).order_by("id").first()
        if row is None:
            break
        payload = dict(row.payload)
        if row.topic in PUBLISHED:
            await asyncio.wait_for(current_publisher().publish(row.topic, payload), send_timeout())
        else:
            try:
                actor, args = actor_call(row.topic, payload)
            except Undeliverable:
                pass
            else:
                await HANDLERS[actor](*args)
        await OutboxMessage.filter(id=row.id).update(published_at=datetime.now(UTC))
        done += 1
    return done
