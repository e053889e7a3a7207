"""Background work of one process: the outbox dispatcher, and in the embedded default the
Dramatiq worker threads and the sweep scheduler.

app.py starts it in its lifespan, after the database is open:

    runtime = Runtime()
    await runtime.start()
    ...
    await runtime.stop()

With BROKER_URL set only the dispatcher runs here; `ipcredit worker` processes do the work.
With BROKER_URL unset (StubBroker) the role says where the work runs:

- "all": everything in this process, the worker threads on their own event loop with their own
  database connections (an app made by `create_app` alone, as tests do);
- "app": the app of `ipcredit serve`, whose worker process does the work: only a dispatcher for
  the notices to this process's subscribers (`PUBLISHED` topics);
- "workers": that worker process: worker threads, the scheduler and a dispatcher for every
  other topic.

With an in-memory SQLite database (tests), which no second connection can see, actor calls run
as tasks on the app's own loop instead, whatever the role.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Literal

from dramatiq import Worker

from actors.broker import get_broker, in_process, orm_middleware
from actors.dispatch import broker_send, send_timeout
from domain.errors import DomainError
from domain.messaging import outbox, publisher
from domain.messaging.outbox import Dispatcher, Send
from domain.messaging.publisher import current_publisher
from domain.messaging.topics import PUBLISHED, Topic, actor_call

log = logging.getLogger("ipcredit.runtime")
WORKER_TIMEOUT_MS = 100
LOOP_RETRIES = 3

Role = Literal["all", "app", "workers"]


async def publish(topic: str, payload: dict[str, Any]) -> None:
    """Send a notice to the subscribers (the app's half of a split runtime), in bounded time."""
    await asyncio.wait_for(current_publisher().publish(topic, payload), send_timeout())


def log_fan_out(broker: Any) -> None:
    """Say at start-up what carries live notices; warn where other replicas would miss them."""
    if publisher.shared() or in_process(broker):
        log.info("live notices: %s", publisher.describe())
        return
    log.warning(
        "live notices: %s; with BROKER_URL set, API replicas other than this one will not "
        "hear them: set PUBSUB_URL (redis://... or postgres://...) for several replicas, "
        "or PUBSUB_URL=local for exactly one",
        publisher.describe(),
    )


def loop_send(tasks: set[asyncio.Task[None]]) -> Send:
    """Run actor topics as tasks on this loop (retried a few times), publish the rest."""
    from actors.all import HANDLERS

    async def run(name: Topic, args: tuple[Any, ...]) -> None:
        from domain.monitoring.warnings import record_dead_letter

        for attempt in range(LOOP_RETRIES + 1):
            try:
                await HANDLERS[name](*args)
                outbox.notify()  # what the actor committed goes out now
                return
            except DomainError as exc:
                error = f"{type(exc).__name__}: {exc} (business error, not retried)"
                break
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc} (gave up after {attempt + 1} failed attempts)"
                if attempt < LOOP_RETRIES:
                    await asyncio.sleep(0.2 * 2**attempt)
        log.error("%s%r failed: %s", name, args, error)
        await record_dead_letter(
            actor=name, message_id=f"loop:{uuid.uuid4().hex}", args=list(args), error=error
        )

    async def send(topic: str, payload: dict[str, Any]) -> None:
        if topic in PUBLISHED:
            await publish(topic, payload)
            return
        name, args = actor_call(topic, payload)
        task = asyncio.get_running_loop().create_task(run(name, args))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return send


class Runtime:
    """The dispatcher, and in the embedded default the workers and scheduler, of one process."""

    def __init__(
        self,
        *,
        database_url: str | None = None,
        worker_threads: int = 4,
        scheduler: bool | None = None,
        poll_interval: float = 0.1,
        role: Role = "all",
    ) -> None:
        self.database_url = database_url
        self.worker_threads = worker_threads
        self.scheduler_wanted = scheduler
        self.poll_interval = poll_interval
        self.role = role
        self.worker: Worker | None = None
        self.dispatcher: Dispatcher | None = None
        self.mode = ""
        self._task: asyncio.Task[None] | None = None
        self._loop_tasks: set[asyncio.Task[None]] = set()
        self._scheduler: Any = None

    async def start(self) -> None:
        """Start the dispatcher (and workers and scheduler where they belong in this process)."""
        from actors import all as _declared  # noqa: F401 - declares every actor
        from config import settings

        broker = get_broker()
        url = self.database_url or settings().database_url
        send: Send
        topics: frozenset[str] | None = None
        exclude: frozenset[str] | None = None
        if not in_process(broker):
            self.mode, send = "broker", broker_send(broker)
        elif ":memory:" in url:
            self.mode, send = "loop", loop_send(self._loop_tasks)
        elif self.role == "app":
            self.mode, send, topics = "app", publish, PUBLISHED
        else:
            self.mode, send = "threads", broker_send(broker)
            # the worker process leaves the notices to the app, where the subscribers are
            exclude = PUBLISHED if self.role == "workers" else None
            orm_middleware(broker).database_url = url
            self.worker = Worker(
                broker, worker_threads=self.worker_threads, worker_timeout=WORKER_TIMEOUT_MS
            )
            await asyncio.to_thread(self.worker.start)
        self.dispatcher = Dispatcher(
            send, poll_interval=self.poll_interval, topics=topics, exclude=exclude
        )
        self._task = asyncio.get_running_loop().create_task(self.dispatcher.run())
        if self._wants_scheduler(broker):
            from actors.scheduler import start_scheduler

            self._scheduler = start_scheduler(interval=settings().sweep_interval_seconds)
        log.info("background work started (%s)", self.mode)
        if self.mode != "threads":
            log_fan_out(broker)

    def _wants_scheduler(self, broker: Any) -> bool:
        if self.scheduler_wanted is not None:
            return self.scheduler_wanted
        return in_process(broker) and self.mode != "app"

    @property
    def threads(self) -> int:
        """Worker threads running in this process (0 where another process does the work)."""
        return self.worker_threads if self.worker is not None else 0

    async def stop(self) -> None:
        """Stop in reverse order; messages not yet sent stay in the outbox for next time."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self.dispatcher is not None and self._task is not None:
            self.dispatcher.stop()
            await asyncio.wait_for(self._task, timeout=10)
        for task in list(self._loop_tasks):
            task.cancel()
        if self.worker is not None:
            await asyncio.to_thread(self.worker.stop, 30_000)
            self.worker = None
