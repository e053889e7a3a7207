"""The Dramatiq broker chosen by BROKER_URL, with the middleware every actor relies on.

- unset: a StubBroker; the app process runs a dramatiq Worker with a few threads itself
  (actors/runtime.py), so the embedded default needs no server.
- redis://host:port/db: RedisBroker; `ipcredit worker` processes consume on any machine.
  Our own query parameters: `namespace` (key prefix, default ipcredit), `heartbeat_timeout`
  (ms before a dead worker's messages are redelivered, default 60000), `maintenance_chance`.
- amqp://...: RabbitmqBroker.

Every connection to a network broker has timeouts (from IPCREDIT_SEND_TIMEOUT unless the URL
sets them: redis `socket_connect_timeout` / `socket_timeout`, pika `socket_timeout` /
`stack_timeout` / `blocked_connection_timeout`), so a broker that accepts connections and
never answers costs a bounded wait in the sending thread, never a hung process.

Queues: "default" for light actors (process_event, monitor_borrowers) and "gnn" for the ones
that import torch (assess_application, run_contagion, score_graph_risk), so a worker started
with `--queues default` never pays for importing it.

A database that is away (restarting, failing over) is waited for in the actor: the work is
tried again every `DB_AWAY_RETRY_S` for up to `DB_AWAY_WAIT_S`, so it resumes within a
fraction of a second of the database's return instead of after the retries' growing backoff
(four tries in, several seconds); after that it fails and retries as any other error.

Priorities: a worker runs the messages it has taken in priority order (lowest first). What a
client waits for (a decision, an event's warnings) has `URGENT_PRIORITY`; batch work (sweeps,
snapshot refreshes, end of day, graph scoring, audit checkpoints) has `BATCH_PRIORITY`, so a
burst of it never queues ahead of a decision a worker already holds.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dramatiq
from dramatiq import Actor, Broker, Middleware
from dramatiq.broker import MessageProxy
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries

from actors.middleware import AsyncOrm, DeadLetters
from db.outage import database_unreachable
from domain.messaging import outbox
from domain.messaging.publisher import split_url

log = logging.getLogger("ipcredit.actors")
DEFAULT_QUEUE = "default"
GNN_QUEUE = "gnn"
QUEUES = (DEFAULT_QUEUE, GNN_QUEUE)

# transient failures (database busy, connection lost) retry with backoff; business errors
# (DomainError) fail at once and land in the dead-letter table
MAX_RETRIES = 8
MIN_BACKOFF_MS = 250
MAX_BACKOFF_MS = 60_000
DB_AWAY_RETRY_S = 0.25
DB_AWAY_WAIT_S = 15.0
URGENT_PRIORITY = 0
BATCH_PRIORITY = 100

_lock = threading.Lock()
_broker: list[Broker] = []


class WakeDispatchers(Middleware):
    """After each message, wake the outbox dispatchers: what the actor committed goes out now.

    An actor's outbox rows (a decision's notice, a warning, the next actor's message) are
    committed when it returns; without this they would wait for the next poll.
    """

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        """Wake this process's dispatchers and those of the processes sharing the outbox."""
        outbox.notify()


def with_defaults(url: str, defaults: dict[str, str]) -> str:
    """The URL with each default query parameter added unless the URL sets it already."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    given = {k for k, _ in query}
    query += [(k, v) for k, v in defaults.items() if k not in given]
    return urlunsplit(parts._replace(query=urlencode(query)))


def connection_timeouts(url: str, timeout: float) -> str:
    """The broker URL with our connection timeouts added (see the module's docstring)."""
    if url.startswith(("amqp://", "amqps://")):
        return with_defaults(url, {
            "socket_timeout": f"{timeout:g}", "stack_timeout": f"{max(timeout * 2, 5):g}",
            "blocked_connection_timeout": f"{max(timeout * 5, 10):g}",
        })  # fmt: skip
    return with_defaults(
        url,
        {"socket_connect_timeout": f"{timeout:g}", "socket_timeout": f"{max(timeout * 2, 1):g}"},
    )


def build_broker(
    url: str | None, *, database_url: str | None = None, timeout: float | None = None
) -> Broker:
    """A new broker for a BROKER_URL (None: in-process), with our middleware added."""
    broker: Broker
    if timeout is None:
        from config import settings

        timeout = settings().send_timeout_seconds
    if url is None:
        broker = StubBroker()
    elif url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        clean, own = split_url(url)
        broker = RedisBroker(
            url=connection_timeouts(clean, timeout),
            namespace=own.get("namespace", "ipcredit"),
            heartbeat_timeout=int(own.get("heartbeat_timeout", "60000")),
            maintenance_chance=int(own.get("maintenance_chance", "1000")),
        )
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=connection_timeouts(url, timeout))
    else:
        raise ValueError(f"BROKER_URL must be redis://, amqp:// or unset, not {url.split(':')[0]}")
    broker.add_middleware(AsyncOrm(database_url))
    broker.add_middleware(WakeDispatchers())
    # after-hooks run in reverse order: placed before Retries, DeadLetters sees its verdict
    broker.add_middleware(DeadLetters(), before=Retries)
    for queue in QUEUES:
        broker.declare_queue(queue)
    return broker


def get_broker() -> Broker:
    """The process's broker, built from settings on first use and made Dramatiq's global."""
    with _lock:
        if not _broker:
            from config import settings

            broker = build_broker(settings().broker_url)
            dramatiq.set_broker(broker)
            _broker.append(broker)
        return _broker[0]


def orm_middleware(broker: Broker) -> AsyncOrm:
    """The broker's ORM middleware (to point it at a database or add boot hooks)."""
    for m in broker.middleware:
        if isinstance(m, AsyncOrm):
            return m
    raise LookupError("the broker has no AsyncOrm middleware")


def in_process(broker: Broker) -> bool:
    """True for the embedded broker, whose workers must run inside this process."""
    return isinstance(broker, StubBroker)


def declare(
    fn: Callable[..., Awaitable[None]],
    *,
    name: str,
    queue: str,
    time_limit_ms: int,
    priority: int = URGENT_PRIORITY,
) -> Actor[Any, Any]:
    """An async actor on the process's broker: business errors fail, others retry."""
    from domain.errors import DomainError

    decorator = dramatiq.actor(
        actor_name=name,
        queue_name=queue,
        broker=get_broker(),
        time_limit=time_limit_ms,
        throws=(DomainError,),
        max_retries=MAX_RETRIES,
        min_backoff=MIN_BACKOFF_MS,
        max_backoff=MAX_BACKOFF_MS,
        priority=priority,
    )
    return decorator(through_outages(fn))


def through_outages(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """`fn`, tried again while the database is away (see the module's notes)."""

    @functools.wraps(fn)
    async def run(*args: Any, **kwargs: Any) -> None:
        deadline = time.monotonic() + DB_AWAY_WAIT_S
        tries = 0
        while True:
            try:
                return await fn(*args, **kwargs)
            except Exception as exc:
                if time.monotonic() >= deadline or not database_unreachable(exc):
                    raise
                if tries == 0:  # once per outage, not every 0.25 s
                    log.warning("%s: database away (%s); trying again", fn.__name__, exc)
            tries += 1
            await asyncio.sleep(DB_AWAY_RETRY_S)

    return run
