"""Live notices over PostgreSQL LISTEN/NOTIFY, for deployments without Redis pub/sub.

Every process publishes with `pg_notify(<namespace>, {"topic", "payload"})` on a connection
of its own, and each API process holds one LISTEN connection that it fans out to its local
subscribers, as the Redis publisher does with its pattern subscription. A notice is at most
a few hundred bytes (ids, never documents), well under PostgreSQL's 8000-byte limit.

Each call has a timeout; a listening connection that drops, or stops answering the periodic
check, ends every local subscription with SubscriptionLost (clients resume by cursor) and is
opened again by the next subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Collection, Mapping
from typing import Any

import asyncpg

from domain.messaging.outbox import Undeliverable
from domain.messaging.publisher import (
    DEFAULT_NAMESPACE,
    DEFAULT_TIMEOUT,
    HEALTH_CHECK_SECONDS,
    InProcessPublisher,
    Notice,
    Subscription,
    SubscriptionLost,
    split_url,
)

log = logging.getLogger("ipcredit.publisher")
MAX_NOTICE_BYTES = 7900


class PostgresPublisher:
    """PostgreSQL LISTEN/NOTIFY: one channel per namespace, fanned out in each process."""

    def __init__(
        self, url: str, *, namespace: str = DEFAULT_NAMESPACE, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        clean, own = split_url(url)
        self.dsn = clean.replace("postgres://", "postgresql://", 1)
        self.channel = own.get("namespace", namespace)
        self.timeout = timeout
        self._local = InProcessPublisher()
        self._sender: asyncpg.Connection | None = None
        self._listener: asyncpg.Connection | None = None
        self._send_lock = asyncio.Lock()
        self._listen_lock = asyncio.Lock()
        self._watch: asyncio.Task[None] | None = None

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn, timeout=self.timeout)

    async def publish(self, topic: str, payload: Mapping[str, Any]) -> None:
        """NOTIFY the notice; raises (TimeoutError, OSError, ...) when PostgreSQL is away."""
        body = json.dumps({"topic": topic, "payload": dict(payload)}, default=str)
        size = len(body.encode())
        if size > MAX_NOTICE_BYTES:
            # never deliverable: left in the way it would hold back every notice behind it
            raise Undeliverable(f"a {topic} notice of {size} bytes is too large to NOTIFY")
        async with self._send_lock:
            try:
                sender = self._sender
                if sender is None or sender.is_closed():
                    sender = await asyncio.wait_for(self._connect(), self.timeout)
                    self._sender = sender
                assert sender is not None
                await sender.execute(
                    "SELECT pg_notify($1, $2)", self.channel, body, timeout=self.timeout
                )
            except BaseException:
                await self._drop_sender()
                raise

    async def _drop_sender(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            sender.terminate()

    async def subscribe(self, topics: Collection[str]) -> Subscription:
        """A local subscription fed by this process's LISTEN (opened on first use)."""
        sub = await self._local.subscribe(topics)
        try:
            await self._ensure_listener()
        except BaseException:
            await sub.close()
            raise
        return sub

    async def _ensure_listener(self) -> None:
        async with self._listen_lock:
            if self._listener is not None and not self._listener.is_closed():
                return
            try:
                conn = await asyncio.wait_for(self._connect(), self.timeout)
            except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
                raise SubscriptionLost(f"cannot listen on PostgreSQL: {exc!r}") from None
            try:
                await asyncio.wait_for(conn.add_listener(self.channel, self._heard), self.timeout)
            except BaseException:
                conn.terminate()
                raise
            conn.add_termination_listener(self._terminated)
            self._listener = conn
            # LISTEN has returned: nothing notified from here on is missed
            if self._watch is None or self._watch.done():
                self._watch = asyncio.get_running_loop().create_task(self._check())

    def _heard(self, conn: Any, pid: int, channel: str, body: str) -> None:
        try:
            message = json.loads(body)
            notice = Notice(str(message["topic"]), dict(message["payload"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed notice on %s", channel)
            return
        self._local.deliver(notice)

    def _terminated(self, conn: Any) -> None:
        if conn is self._listener:
            self._lost("pub/sub connection lost")

    def _lost(self, reason: str) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            listener.terminate()
        log.warning("PostgreSQL LISTEN connection lost: %s", reason)
        self._local.fail_all(reason)

    async def _check(self) -> None:
        """Ping the listening connection; a silent one is as good as lost."""
        while self._listener is not None:
            await asyncio.sleep(HEALTH_CHECK_SECONDS)
            listener = self._listener
            if listener is None:
                return
            try:
                await listener.execute("SELECT 1", timeout=self.timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure means the connection is gone
                if listener is self._listener:
                    self._lost(f"pub/sub connection lost: {exc}")
                return

    async def close(self) -> None:
        """Stop listening, end subscriptions and close the connections."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch
        listener, self._listener = self._listener, None
        for conn in (listener, self._sender):
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), self.timeout)
                if not conn.is_closed():
                    conn.terminate()
        self._sender = None
        self._local.fail_all("publisher closed")
