"""The outbox: messages written with their cause, sent afterwards in order, at least once.

`dispatch_pending` locks a batch of unsent rows (FOR UPDATE SKIP LOCKED on PostgreSQL, so any
number of dispatchers share the work; the write lock on SQLite), sends each and marks the sent
ones published in the same transaction. A crash between send and commit sends again: every
consumer is idempotent (actors on their key, subscribers on the warning id).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from db.models import OutboxMessage

log = logging.getLogger("ipcredit.outbox")

Send = Callable[[str, dict[str, Any]], Awaitable[None] | None]


class Undeliverable(Exception):
    """A message no consumer will ever take (unknown topic, bad payload): dropped, logged."""


async def dispatch_pending(
    send: Send,
    *,
    batch: int = 500,
    topics: Collection[str] | None = None,
    exclude: Collection[str] | None = None,
) -> int:
    """Send unsent messages in id order and mark them published; returns how many went out.

    `topics` keeps only those topics, `exclude` leaves those out (for two dispatchers sharing
    one outbox). A send that raises stops the batch there, so later messages never overtake an
    earlier one; `Undeliverable` marks the message done without sending.
    """
    async with in_transaction() as conn:
        query = OutboxMessage.filter(published_at__isnull=True).using_db(conn)
        if topics is not None:
            query = query.filter(topic__in=list(topics))
        if exclude:
            query = query.exclude(topic__in=list(exclude))
        if conn.capabilities.dialect == "postgres":
            query = query.select_for_update(skip_locked=True)
        else:
            # take SQLite's write lock first so two dispatchers never read the same batch
            await conn.execute_query("UPDATE outbox_message SET key = key WHERE id = -1")
        rows = await query.order_by("id").limit(batch)
        done: list[int] = []
        for row in rows:
            try:
                result = send(row.topic, dict(row.payload))
                if inspect.isawaitable(result):
                    await result
            except Undeliverable as exc:
                log.error("outbox message %s (%s) dropped: %s", row.id, row.topic, exc)
            except Exception:
                log.warning("outbox send failed at message %s", row.id, exc_info=True)
                break
            done.append(row.id)
        if done:
            await (
                OutboxMessage.filter(id__in=done)
                .using_db(conn)
                .update(published_at=datetime.now(UTC))
            )
    return len(done)


async def pending_count() -> int:
    """How many messages wait to be sent."""
    return await OutboxMessage.filter(published_at__isnull=True).count()


_dispatchers: weakref.WeakSet[Dispatcher] = weakref.WeakSet()
_remote: list[Callable[[], None]] = []
_lock = threading.Lock()


def notify() -> None:
    """Wake the dispatchers now (after committing outbox rows); safe from any thread.

    Wakes this process's dispatchers and, through the wakers added with `add_waker`, those of
    the processes that share this outbox (the app and its worker process).
    """
    wake_local()
    with _lock:
        remote = list(_remote)
    for waker in remote:
        try:
            waker()
        except Exception:  # noqa: BLE001 - a lost wake-up only costs one poll interval
            log.debug("a cross-process wake-up was lost", exc_info=True)


def wake_local() -> None:
    """Wake this process's dispatchers only (what a wake-up from another process does)."""
    with _lock:
        found = list(_dispatchers)
    for dispatcher in found:
        dispatcher.wake()


def add_waker(waker: Callable[[], None]) -> None:
    """Also call `waker` on every `notify` (it tells another process to dispatch now)."""
    with _lock:
        _remote.append(waker)


def remove_waker(waker: Callable[[], None]) -> None:
    """Stop calling a waker added with `add_waker`."""
    with _lock:
        if waker in _remote:
            _remote.remove(waker)


class Dispatcher:
    """Sends the outbox forever: woken by `notify`, else polling every `poll_interval` seconds.

    `topics` / `exclude` choose which messages this dispatcher sends (see `dispatch_pending`).
    """

    def __init__(
        self,
        send: Send,
        *,
        poll_interval: float = 0.1,
        batch: int = 500,
        topics: Collection[str] | None = None,
        exclude: Collection[str] | None = None,
    ) -> None:
        self.send = send
        self.topics = None if topics is None else frozenset(topics)
        self.exclude = None if exclude is None else frozenset(exclude)
        self.poll_interval = poll_interval
        self.batch = batch
        self.sent = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False

    def wake(self) -> None:
        """Ask for a dispatch round now."""
        loop, event = self._loop, self._wake
        if loop is None or event is None or loop.is_closed():
            return
        try:
            if asyncio.get_running_loop() is loop:
                event.set()
                return
        except RuntimeError:
            pass
        loop.call_soon_threadsafe(event.set)

    def stop(self) -> None:
        """Finish the current round and return from `run`."""
        self._stopping = True
        self.wake()

    async def run(self) -> None:
        """Dispatch until stopped; errors back off up to five seconds and never end the loop."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        with _lock:
            _dispatchers.add(self)
        failures = 0
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    n = await dispatch_pending(
                        self.send, batch=self.batch, topics=self.topics, exclude=self.exclude
                    )
                    failures = 0
                except Exception:
                    failures += 1
                    log.warning("outbox dispatch round failed", exc_info=True)
                    n = 0
                self.sent += n
                if n >= self.batch:
                    continue
                delay = min(5.0, self.poll_interval * (2 ** min(failures, 6)))
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                except TimeoutError:
                    pass
        finally:
            with _lock:
                _dispatchers.discard(self)
