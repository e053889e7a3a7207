"""Fan-out of published notices to subscribers: in-process, Redis pub/sub or PostgreSQL
LISTEN/NOTIFY, chosen by the PUBSUB_URL setting (docs/runtime.md).

The embedded default keeps the dispatcher and every subscriber in one process, so an asyncio
fan-out is enough. With Redis, any process publishes to `<namespace>:<topic>` channels and each
API process holds one pattern subscription that it fans out to its local subscribers, so any
replica serves any client; PostgreSQL does the same with one LISTEN per process
(domain/messaging/pg_pubsub.py). Every network call has a timeout: a slow or unreachable
pub/sub fails the send (the notice stays in the outbox) instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

log = logging.getLogger("ipcredit.publisher")

DEFAULT_NAMESPACE = "ipcredit"
QUEUE_LIMIT = 10_000
# query parameters of BROKER_URL that are ours, not the Redis client's
OWN_PARAMS = ("namespace", "heartbeat_timeout", "maintenance_chance")
DEFAULT_TIMEOUT = 2.0  # seconds: one publish, one connection attempt
HEALTH_CHECK_SECONDS = 5  # an idle pub/sub connection is pinged this often


@dataclass(frozen=True)
class Notice:
    """One published message."""

    topic: str
    payload: Mapping[str, Any]


class SubscriptionLost(Exception):
    """The subscriber fell too far behind or the pub/sub connection dropped: reconnect."""


class SubscriptionGap(SubscriptionLost):
    """The pub/sub connection dropped and is back: notices sent meanwhile may be missing. The
    subscription goes on and its consumer re-reads from its cursor (one that cannot treats
    this as SubscriptionLost: its client resumes by cursor)."""


class Subscription(Protocol):
    """A stream of notices for some topics."""

    async def get(self) -> Notice:
        """The next notice; SubscriptionLost when the stream broke (SubscriptionGap: it goes on)."""
        ...

    async def close(self) -> None:
        """Stop receiving."""
        ...


class Publisher(Protocol):
    """Publishes notices and hands out subscriptions that are live once `subscribe` returns."""

    async def publish(self, topic: str, payload: Mapping[str, Any]) -> None:
        """Send a notice to every current subscriber of the topic."""
        ...

    async def subscribe(self, topics: Collection[str]) -> Subscription:
        """Start receiving the topics; nothing published after this returns is missed."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """The URL without our own query parameters, and those parameters."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    own = {k: v for k, v in query if k in OWN_PARAMS}
    rest = [(k, v) for k, v in query if k not in OWN_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(rest))), own


class _LocalSubscription:
    """A subscriber's queue inside one process."""

    def __init__(self, hub: InProcessPublisher, topics: Collection[str]) -> None:
        self.hub = hub
        self.topics = frozenset(topics)
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Notice | str | None] = asyncio.Queue()  # str: a gap, why
        self.lost: str | None = None

    def offer(self, notice: Notice) -> None:
        """Queue a notice (on the subscriber's own loop)."""
        if self.lost is not None:
            return
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.fail("the subscriber fell too far behind")
            return
        self.queue.put_nowait(notice)

    def gap(self, reason: str) -> None:
        """Tell the subscriber, in order, that notices may be missing before this point."""
        if self.lost is None:
            self.queue.put_nowait(reason)

    def fail(self, reason: str) -> None:
        """End the stream with SubscriptionLost."""
        if self.lost is None:
            self.lost = reason
            self.queue.put_nowait(None)

    async def get(self) -> Notice:
        """The next notice."""
        item = await self.queue.get()
        if item is None:
            raise SubscriptionLost(self.lost or "subscription closed")
        if isinstance(item, str):
            raise SubscriptionGap(item)
        return item

    async def close(self) -> None:
        """Stop receiving."""
        self.hub.discard(self)


class InProcessPublisher:
    """Fan-out to subscribers of this process; publishing from another thread is safe."""

    def __init__(self) -> None:
        self._subs: set[_LocalSubscription] = set()

    async def publish(self, topic: str, payload: Mapping[str, Any]) -> None:
        """Deliver to every subscriber of the topic."""
        self.deliver(Notice(topic, dict(payload)))

    def deliver(self, notice: Notice) -> None:
        """Deliver synchronously (each subscriber on its own loop)."""
        try:
            here: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        for sub in list(self._subs):
            if notice.topic not in sub.topics:
                continue
            if sub.loop is here:
                sub.offer(notice)
            elif not sub.loop.is_closed():
                sub.loop.call_soon_threadsafe(sub.offer, notice)

    def fail_all(self, reason: str) -> None:
        """End every subscription (their clients reconnect with their cursor)."""
        for sub in list(self._subs):
            self._subs.discard(sub)
            if not sub.loop.is_closed():
                sub.loop.call_soon_threadsafe(sub.fail, reason)

    def gap_all(self, reason: str) -> None:
        """Tell every subscription that notices may have been missed (they re-read)."""
        for sub in list(self._subs):
            if not sub.loop.is_closed():
                sub.loop.call_soon_threadsafe(sub.gap, reason)

    async def subscribe(self, topics: Collection[str]) -> Subscription:
        """A new local subscription."""
        sub = _LocalSubscription(self, topics)
        self._subs.add(sub)
        return sub

    def discard(self, sub: _LocalSubscription) -> None:
        """Forget a subscription."""
        self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        """How many subscriptions are open."""
        return len(self._subs)

    async def close(self) -> None:
        """End every subscription."""
        self.fail_all("publisher closed")


class RedisPublisher:
    """Redis pub/sub: PUBLISH per notice; one pattern subscription per process, fanned out."""

    def __init__(
        self, url: str, *, namespace: str = DEFAULT_NAMESPACE, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        import redis.asyncio as aioredis

        clean, own = split_url(url)
        self.namespace = own.get("namespace", namespace)
        self.timeout = timeout
        self._client = aioredis.Redis.from_url(
            clean,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            health_check_interval=HEALTH_CHECK_SECONDS,
        )
        self._local = InProcessPublisher()
        self._reader: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None
        self._retired: set[asyncio.Task[Any]] = set()  # failed readers still closing

    def channel(self, topic: str) -> str:
        """The Redis channel of a topic."""
        return f"{self.namespace}:{topic}"

    async def publish(self, topic: str, payload: Mapping[str, Any]) -> None:
        """PUBLISH the notice as JSON; TimeoutError when Redis does not answer in time."""
        body = json.dumps(dict(payload), default=str)
        await asyncio.wait_for(self._client.publish(self.channel(topic), body), self.timeout)

    async def subscribe(self, topics: Collection[str]) -> Subscription:
        """A local subscription fed by the shared Redis subscription (started on first use)."""
        sub = await self._local.subscribe(topics)
        try:
            await self._ensure_reader()
        except BaseException:
            await sub.close()
            raise
        return sub

    async def _ensure_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._ready = asyncio.Event()
            self._reader = asyncio.get_running_loop().create_task(self._read(self._ready))
        reader, event = self._reader, self._ready
        assert event is not None
        ready = asyncio.ensure_future(event.wait())
        done, _ = await asyncio.wait(
            {ready, reader}, timeout=self.timeout * 2, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if not reader.done():
                reader.cancel()
            raise SubscriptionLost("cannot subscribe to Redis")

    async def _read(self, ready: asyncio.Event) -> None:
        pubsub = self._client.pubsub()
        prefix = f"{self.namespace}:"
        try:
            await pubsub.psubscribe(prefix + "*")
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == "psubscribe":
                    if ready.is_set():  # reconnected by the client: what came meanwhile is lost
                        log.warning("Redis subscription re-established; subscribers re-read")
                        self._local.gap_all("pub/sub connection re-established")
                    ready.set()  # Redis confirmed: from here on nothing published is missed
                    continue
                if message["type"] != "pmessage":
                    continue
                channel = _text(message["channel"])
                try:
                    payload = json.loads(_text(message["data"]))
                except ValueError:
                    log.warning("ignoring a malformed notice on %s", channel)
                    continue
                self._local.deliver(Notice(channel.removeprefix(prefix), payload))
        except Exception as exc:  # not a cancellation: close() or a failed start
            log.warning("Redis subscription lost: %s", exc)
            self._retire()
            self._local.fail_all(f"pub/sub connection lost: {exc}")
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[attr-defined]

    def _retire(self) -> None:
        """This reader failed: a later subscriber starts another even while this one closes."""
        task = asyncio.current_task()
        if task is not None and task is self._reader:
            self._reader = None
            self._retired.add(task)
            task.add_done_callback(self._retired.discard)

    async def close(self) -> None:
        """Stop the readers, end subscriptions and close the client."""
        for reader in [r for r in (self._reader, *self._retired) if r is not None]:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        self._local.fail_all("publisher closed")
        await self._client.aclose()  # type: ignore[attr-defined]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


# one publisher per event loop: asyncio objects and Redis connections belong to a loop
_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Publisher] = (
    weakref.WeakKeyDictionary()
)
_configured_url: list[str | None] = []
_in_process = InProcessPublisher()
LOCAL = "local"


def configure(url: str | None) -> None:
    """Choose the pub/sub for this process (a Redis or PostgreSQL URL; None or "local": this
    process only), whatever the settings say."""
    _configured_url[:] = [url]
    _by_loop.clear()


def pubsub_choice(pubsub_url: str | None, broker_url: str | None) -> str | None:
    """The pub/sub URL the settings select; None for this process only: PUBSUB_URL when set
    ("local" choosing this process only); unset, the broker's Redis when BROKER_URL is Redis
    (its pub/sub comes with it), else this process only."""
    if pubsub_url:
        return None if pubsub_url == LOCAL else pubsub_url
    return broker_url if uses_redis(broker_url) else None


def _url() -> str | None:
    if _configured_url:
        url = _configured_url[0]
        return None if url == LOCAL else url
    from config import settings

    s = settings()
    return pubsub_choice(s.pubsub_url, s.broker_url)


def _timeout() -> float:
    from config import settings

    return settings().send_timeout_seconds


def shared() -> bool:
    """Whether notices published here reach subscribers in other processes."""
    return _url() is not None


def uses_redis(url: str | None) -> bool:
    """Whether a URL selects Redis pub/sub."""
    return url is not None and url.startswith(("redis://", "rediss://", "unix://"))


def uses_postgres(url: str | None) -> bool:
    """Whether a URL selects PostgreSQL LISTEN/NOTIFY."""
    return url is not None and url.startswith(("postgres://", "postgresql://"))


def describe() -> str:
    """What carries live notices from this process, for the start-up log (no credentials)."""
    url = _url()
    if url is None:
        return "this process only (PUBSUB_URL unset or local)"
    parts = urlsplit(url)
    kind = "Redis pub/sub" if uses_redis(url) else "PostgreSQL LISTEN/NOTIFY"
    return f"{kind} at {parts.hostname or 'localhost'}:{parts.port or ''}{parts.path}"


def build_publisher(url: str | None, *, timeout: float = DEFAULT_TIMEOUT) -> Publisher:
    """A publisher for a pub/sub URL (None: the process-wide in-process hub)."""
    if url is None:
        return _in_process
    if uses_redis(url):
        return RedisPublisher(url, timeout=timeout)
    if uses_postgres(url):
        from domain.messaging.pg_pubsub import PostgresPublisher

        return PostgresPublisher(url, timeout=timeout)
    raise ValueError(f"a pub/sub URL must be redis:// or postgres://, not {url.split(':')[0]}")


def current_publisher() -> Publisher:
    """This loop's publisher, as the settings (or `configure`) choose."""
    loop = asyncio.get_running_loop()
    found = _by_loop.get(loop)
    if found is not None:
        return found
    url = _url()
    if url is None:
        return _in_process
    found = build_publisher(url, timeout=_timeout())
    _by_loop[loop] = found
    return found


def set_publisher(publisher: Publisher | None) -> None:
    """Use this publisher on the running loop (None: back to the configured one)."""
    loop = asyncio.get_running_loop()
    if publisher is None:
        _by_loop.pop(loop, None)
    else:
        _by_loop[loop] = publisher
