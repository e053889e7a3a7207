"""The worker process of `ipcredit serve` in the embedded default (no BROKER_URL).

The app starts it (actors.supervisor) with one end of a control channel. It opens the
database and loads every model a decision uses, the graph scored in full, before it consumes;
then it runs the Dramatiq worker threads, the sweep scheduler and the outbox dispatcher for
the actor topics, and tells the app it is ready. Notices for subscribers stay in the outbox
for the app's dispatcher: each side wakes the other through the channel after committing
outbox rows.

It stops on SIGTERM or SIGINT, and when the app is gone (the channel ends, or the process is
handed to another parent).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from typing import Any

from actors.control import ControlChannel, Message
from actors.runtime import Runtime
from domain.messaging import outbox

log = logging.getLogger("ipcredit.worker")
PARENT_CHECK_SECONDS = 1.0


async def warm_up(database_url: str) -> dict[str, Any]:
    """Load every model a decision uses; what is in service, or why not."""
    from domain.decision import service as _decisions  # noqa: F401 - imported now, not later
    from domain.errors import Unavailable
    from domain.monitoring.graph_risk import prepare_graph
    from domain.scoring.service import active_scorecard
    from domain.valuation.service import active_valuation_model

    report: dict[str, Any] = {}
    try:
        card = await active_scorecard()
        report["scorecard"] = {"state": "loaded", "version": card.version}
    except Unavailable as exc:
        report["scorecard"] = {"state": "none", "reason": exc.message}
    try:
        valuation = await active_valuation_model()
        report["valuation"] = {"state": "loaded", "version": valuation.version}
    except Unavailable as exc:
        report["valuation"] = {"state": "none", "reason": exc.message}
    report["graph"] = await prepare_graph(database_url=database_url)
    report["provider"] = await _warm_provider()
    return report


async def _warm_provider() -> dict[str, Any]:
    """Load the data provider's index now rather than on the first decision's path."""
    from domain.providers.base import ProviderError
    from domain.providers.runtime import current_provider

    provider = current_provider()
    try:
        await provider.warm()
    except (ProviderError, OSError) as exc:
        log.warning("data provider not ready at start-up: %s", exc)
        return {"state": "unready", "kind": type(provider).__name__, "reason": str(exc)}
    return {"state": "ready", "kind": type(provider).__name__}


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("the app process is gone; stopping")
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PARENT_CHECK_SECONDS)


def _on_message(message: Message) -> None:
    if message.get("type") == "wake":
        outbox.wake_local()


async def _start(url: str, stop: asyncio.Event) -> tuple[Runtime, dict[str, Any]] | None:
    """Warm up, then start consuming; None when asked to stop first."""
    loop = asyncio.get_running_loop()
    starting = loop.create_task(warm_up(url))
    stopped = loop.create_task(stop.wait())
    await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not starting.done():
        return None
    report = starting.result()
    runtime = Runtime(database_url=url, role="workers")
    await runtime.start()
    return runtime, report


async def run(control_fd: int | None) -> int:
    """Run until stopped; 0 on a clean stop."""
    from config import settings
    from db.connection import close_db, init_db

    url = settings().database_url
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    channel = ControlChannel.from_fd(control_fd) if control_fd is not None else None
    if channel is not None:
        channel.listen(loop, _on_message, stop.set)
        outbox.add_waker(channel.wake)
    watcher = loop.create_task(_watch_parent(os.getppid(), stop))
    await init_db(url)
    started = await _start(url, stop)
    if started is None:
        # stopped while loading: loading only reads, and its thread cannot be interrupted
        log.info("worker process stopped while starting")
        sys.stderr.flush()
        os._exit(0)
    runtime, report = started
    try:
        if channel is not None:
            await channel.send_surely({"type": "ready", **report})
        log.info("worker process %s ready", os.getpid(), extra={"models": report})
        await stop.wait()
    finally:
        await runtime.stop()
        watcher.cancel()
        if channel is not None:
            outbox.remove_waker(channel.wake)
            channel.close()
        await close_db()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the worker process."""
    from config import settings
    from domain.observability import configure_logging

    parser = argparse.ArgumentParser(prog="actors.embedded")
    parser.add_argument("--control-fd", type=int, default=None)
    args = parser.parse_args(argv)
    configure_logging(settings().log_level)
    return asyncio.run(run(args.control_fd))


if __name__ == "__main__":
    sys.exit(main())
