"""`ipcredit worker`: Dramatiq worker processes, each with its own outbox dispatcher.

One process runs a dramatiq Worker with `threads` threads (async actors share the worker's
event loop, where the ORM lives) and an outbox dispatcher on that loop. More processes are
children of a small supervisor that restarts any that die and stops them all on SIGTERM.

A process that consumes the "gnn" queue loads every model a decision uses (the graph model
with torch, the scorecard, the valuation model, the data provider's index) before it takes
its first message, as the embedded worker does: otherwise the first decisions after a start
or a restart wait seconds for those imports and loads, on the event loop every actor of the
process shares. It prints "ready" once it consumes. Each queue prefetches as many messages as
there are threads, the "gnn" queue half as many (`ProcessWorker`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time

import dramatiq.worker as dramatiq_worker
from dramatiq import Broker, Worker
from dramatiq.common import q_name
from dramatiq.worker import ConsumerThread
from tortoise.context import TortoiseContext

from actors.broker import GNN_QUEUE, QUEUES, get_broker, in_process, orm_middleware
from actors.dispatch import broker_send
from actors.middleware import bind
from domain.messaging import publisher
from domain.messaging.outbox import Dispatcher
from domain.messaging.topics import ACTOR_ARGUMENTS

log = logging.getLogger("ipcredit.worker")
WORKER_TIMEOUT_MS = 100
STOP_TIMEOUT_MS = 30_000
WARM_RETRIES = 3  # tries again to load a graph model the database could not be read for
WARM_RETRY_S = 1.0
CONSUMER_RESTART_S = 0.5  # how soon a consumer that lost the broker connects again


def serve(*, threads: int, queues: list[str] | None, dispatch: bool = True) -> int:
    """Run one worker process until SIGTERM or SIGINT."""
    from actors import all as _declared  # noqa: F401 - declares every actor

    broker = get_broker()
    if in_process(broker):
        print(
            "BROKER_URL is not set: in the embedded default the app process runs the workers",
            file=sys.stderr,
        )
        return 2
    unknown = sorted(set(queues or []) - set(QUEUES))
    if unknown:
        print(
            f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}", file=sys.stderr
        )
        return 2
    running: list[tuple[Dispatcher, asyncio.AbstractEventLoop, asyncio.Task[None]]] = []
    if not queues or GNN_QUEUE in queues:
        orm_middleware(broker).boot_hooks.append(warm_models)
    if dispatch:
        # without a shared pub/sub, notices sent from here would reach no subscriber: leave
        # them to the API processes' dispatchers
        topics = None if publisher.shared() else frozenset(ACTOR_ARGUMENTS)

        async def start_dispatcher(loop: asyncio.AbstractEventLoop, ctx: TortoiseContext) -> None:
            dispatcher = Dispatcher(broker_send(broker), topics=topics)

            async def run() -> None:
                bind(ctx)
                await dispatcher.run()

            running.append((dispatcher, loop, loop.create_task(run())))

        orm_middleware(broker).boot_hooks.append(start_dispatcher)
    if "dramatiq_restart_delay" not in os.environ:
        # dramatiq waits 3 s before it reconnects a consumer that lost the broker: every
        # message then waits that long after a broker restart; try twice a second instead
        dramatiq_worker.CONSUMER_RESTART_DELAY_SECS = CONSUMER_RESTART_S
    worker = ProcessWorker(broker, queues=queues, threads=threads)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("live notices: %s", publisher.describe())
    worker.start()
    print(f"worker {os.getpid()} ready: {threads} threads, queues {queues or list(QUEUES)}",
          file=sys.stderr, flush=True)  # fmt: skip
    stop.wait()
    for dispatcher, loop, task in running:
        dispatcher.stop()
        try:
            asyncio.run_coroutine_threadsafe(asyncio.wait_for(task, 10), loop).result(timeout=11)
        except Exception:
            log.warning("the dispatcher did not stop cleanly", exc_info=True)
    worker.stop(timeout=STOP_TIMEOUT_MS)
    return 0


class ProcessWorker(Worker):
    """A dramatiq Worker that holds fewer messages at a time than dramatiq's default.

    Each queue holds at most `threads` messages taken and not yet finished (dramatiq: twice
    the threads), so a process busy with slow messages does not keep ones another process
    could start. The "gnn" queue (assessments, graph jobs: CPU-bound on the event loop every
    actor of the process shares) holds at most half the threads, so the other half is always
    free for light, urgent work (an event's warnings): assessments alone never take every
    thread.
    """

    def __init__(self, broker: Broker, *, queues: list[str] | None, threads: int) -> None:
        super().__init__(
            broker,
            queues=set(queues) if queues else None,
            worker_threads=threads,
            worker_timeout=WORKER_TIMEOUT_MS,
        )
        self.queue_prefetch = threads
        # a worker of the "gnn" queue alone gets all its threads for it
        only_gnn = bool(queues) and set(queues or ()) == {GNN_QUEUE}
        self.prefetch_by_queue = {} if only_gnn else {GNN_QUEUE: max(1, threads // 2)}

    def _add_consumer(self, queue_name: str, *, delay: bool = False) -> None:
        limit = self.prefetch_by_queue.get(queue_name)
        if delay or limit is None or queue_name in self.consumers:
            super()._add_consumer(queue_name, delay=delay)
            return
        if self.consumer_whitelist and q_name(queue_name) not in self.consumer_whitelist:
            return
        consumer = self.consumers[queue_name] = ConsumerThread(
            broker=self.broker,
            queue_name=queue_name,
            prefetch=limit,
            work_queue=self.work_queue,
            worker_timeout=self.worker_timeout,
        )
        consumer.start()


async def warm_models(loop: asyncio.AbstractEventLoop, ctx: TortoiseContext) -> None:
    """Load every model a decision uses before the first message (never raises: a model that
    cannot be loaded is reported, and decisions go on as they would without it)."""
    from actors.embedded import warm_up
    from domain.monitoring.graph_risk import prepare_graph

    bind(ctx)
    url = orm_middleware(get_broker()).database_url
    if url is None:
        from config import settings

        url = settings().database_url
    started = time.perf_counter()
    try:
        report = await warm_up(url)
        # a graph that could not be read (the database restarting as this process starts) is
        # tried again before consuming, rather than on the first decision's path
        for attempt in range(WARM_RETRIES):
            if report.get("graph", {}).get("state") != "unusable":
                break
            await asyncio.sleep(WARM_RETRY_S * 2**attempt)
            report["graph"] = await prepare_graph(database_url=url)
    except Exception:
        log.warning("loading the models at start-up failed; they load on first use", exc_info=True)
        return
    log.info("models loaded in %.1f s", time.perf_counter() - started, extra={"models": report})


def child_command(threads: int, queues: list[str] | None) -> list[str]:
    """The command line of one worker process."""
    command = [sys.executable, "-m", "actors.worker", "--threads", str(threads)]
    for queue in queues or []:
        command += ["--queue", queue]
    return command


def run_worker(processes: int, threads: int, queues: list[str] | None) -> int:
    """Run `processes` worker processes of `threads` threads on `queues` (None: all)."""
    if processes < 1 or threads < 1:
        print("processes and threads must be at least 1", file=sys.stderr)
        return 2
    if processes == 1:
        return serve(threads=threads, queues=queues)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    command = child_command(threads, queues)
    children = [subprocess.Popen(command) for _ in range(processes)]
    while not stopping.wait(0.5):
        for i, child in enumerate(children):
            if child.poll() is not None:
                log.warning("worker %s exited with %s; restarting", child.pid, child.returncode)
                time.sleep(1)
                children[i] = subprocess.Popen(command)
    for child in children:
        child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=STOP_TIMEOUT_MS / 1000 + 5)
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of one child worker process."""
    from config import settings
    from domain.observability import configure_logging

    parser = argparse.ArgumentParser(prog="actors.worker")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--queue", action="append", dest="queues")
    parser.add_argument("--no-dispatch", action="store_true")
    args = parser.parse_args(argv)
    configure_logging(settings().log_level)
    return serve(threads=args.threads, queues=args.queues, dispatch=not args.no_dispatch)


if __name__ == "__main__":
    sys.exit(main())
