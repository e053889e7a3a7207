"""`ipcredit worker`: Dramatiq worker processes, each with its own outbox dispatcher.

One process runs a dramatiq Worker with `threads` threads (async actors share the worker's
event loop, where the ORM lives) and an outbox dispatcher on that loop. More processes are
children of a small supervisor that restarts any that die and stops them all on SIGTERM.
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

from dramatiq import Worker
from tortoise.context import TortoiseContext

from actors.broker import QUEUES, get_broker, in_process, orm_middleware
from actors.dispatch import broker_send
from actors.middleware import bind
from domain.messaging import publisher
from domain.messaging.outbox import Dispatcher
from domain.messaging.topics import ACTOR_ARGUMENTS

log = logging.getLogger("ipcredit.worker")
WORKER_TIMEOUT_MS = 100
STOP_TIMEOUT_MS = 30_000


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
    worker = Worker(
        broker,
        queues=set(queues) if queues else None,
        worker_threads=threads,
        worker_timeout=WORKER_TIMEOUT_MS,
    )
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
