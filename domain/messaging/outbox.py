"""The outbox: messages written with their cause, sent afterwards in order, at least once.

`dispatch_pending` takes a batch of unsent rows, sends each and marks the sent ones published.
On PostgreSQL the batch is claimed with FOR UPDATE SKIP LOCKED, so any number of dispatchers
share the work without sending a row twice; the claim holds one pooled connection while the
batch goes out, never the event loop (senders run their network calls in a thread or with an
async client, with timeouts). On SQLite nothing is held while sending: the batch is read, sent,
then marked published in a short write transaction, so a slow broker never holds the write
lock; dispatchers of one process take turns. A crash between send and mark sends again: every
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

from tortoise import connections
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from db.models import OutboxMessage
from domain.loops import PerLoop

log = logging.getLogger("ipcredit.outbox")

MAX_BACKOFF_SECONDS = 0.5  # a broker or pub/sub back after an outage is tried within this

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
    if connections.get("default").capabilities.dialect == "postgres":
        async with in_transaction() as conn:
            query = _pending(conn, topics, exclude).select_for_update(skip_locked=True)
            rows = await query.order_by("id").limit(batch)
            done = await _send_rows(send, rows)
            await _mark(conn, done)
        return len(done)
    async with _sqlite_turn.get():
        rows = await _pending(None, topics, exclude).order_by("id").limit(batch)
        done = await _send_rows(send, rows)
        if done:
            async with in_transaction() as conn:
                await _mark(conn, done)
    return len(done)


def _pending(
    conn: Any, topics: Collection[str] | None, exclude: Collection[str] | None
) -> QuerySet[OutboxMessage]:
    query = OutboxMessage.filter(published_at__isnull=True)
    if conn is not None:
        query = query.using_db(conn)
    if topics is not None:
        query = query.filter(topic__in=list(topics))
    if exclude:
        query = query.exclude(topic__in=list(exclude))
    return query


async def _send_rows(send: Send, rows: list[OutboxMessage]) -> list[int]:
    """Send rows in order until one fails; the ids of those done."""
    done: list[int] = []
    for row in rows:
        try:
            result = send(row.topic, dict(row.payload))
            if inspect.isawaitable(result):
                await result
        except Undeliverable as exc:
            log.error("outbox message %s (%s) dropped: %s", row.id, row.topic, exc)
        except Exception as exc:  # noqa: BLE001 - the message stays for a later round
            log.warning("outbox send failed at message %s (%s): %r", row.id, row.topic, exc)
            break
        done.append(row.id)
    return done


async def _mark(conn: Any, done: list[int]) -> None:
    if done:
        await (
            OutboxMessage.filter(id__in=done, published_at__isnull=True)
            .using_db(conn)
            .update(published_at=datetime.now(UTC))
        )


# this loop's lock: one SQLite dispatch round at a time, so none sends a row twice
_sqlite_turn: PerLoop[asyncio.Lock] = PerLoop(asyncio.Lock)


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
        self._failed = False

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

    async def _send(self, topic: str, payload: dict[str, Any]) -> None:
        """Send, noting a failure (the broker or pub/sub is away: the next round backs off)."""
        try:
            result = self.send(topic, payload)
            if inspect.isawaitable(result):
                await result
        except Undeliverable:
            raise
        except Exception:
            self._failed = True
            raise

    def stop(self) -> None:
        """Finish the current round and return from `run`."""
        self._stopping = True
        self.wake()

    async def run(self) -> None:
        """Dispatch until stopped; errors back off up to MAX_BACKOFF_SECONDS and never end the
        loop (so a broker that comes back is used again within that time)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        with _lock:
            _dispatchers.add(self)
        failures = 0
        try:
            while not self._stopping:
                self._wake.clear()
                self._failed = False
                try:
                    n = await dispatch_pending(
                        self._send, batch=self.batch, topics=self.topics, exclude=self.exclude
                    )
                    failures = failures + 1 if self._failed else 0
                except Exception:
                    failures += 1
                    log.warning("outbox dispatch round failed", exc_info=True)
                    n = 0
                self.sent += n
                if n >= self.batch:
                    continue
                delay = min(MAX_BACKOFF_SECONDS, self.poll_interval * (2 ** min(failures, 6)))
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                except TimeoutError:
                    pass
        finally:
            with _lock:
                _dispatchers.discard(self)
