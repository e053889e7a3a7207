"""`ipcredit worker` and `ipcredit scheduler`: the background processes."""

from __future__ import annotations

import argparse

from cli.common import Subparsers, fail
from config import settings


def cmd_worker(args: argparse.Namespace) -> int:
    """Run worker processes on the configured broker."""
    from actors.worker import run_worker

    queues = [q.strip() for q in args.queues.split(",") if q.strip()] if args.queues else None
    return run_worker(args.processes, args.threads, queues)


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Sweep every borrower on a timer (one sweep per interval across all schedulers)."""
    from actors.broker import get_broker, in_process
    from actors.scheduler import run_scheduler

    if in_process(get_broker()):
        return fail("BROKER_URL is not set: in the embedded default the app runs the scheduler")
    return run_scheduler(interval=args.interval or settings().sweep_interval_seconds, now=args.now)


def register(sub: Subparsers) -> None:
    """Add `worker` and `scheduler`."""
    worker = sub.add_parser(
        "worker", help="run Dramatiq worker processes (needs BROKER_URL: Redis or RabbitMQ)"
    )
    worker.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
    worker.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    worker.add_argument(
        "--queues",
        default=None,
        help="comma-separated queues to consume: default, gnn (default: both); "
        "leave out gnn on machines that should not load torch",
    )
    worker.set_defaults(func=cmd_worker)
    scheduler = sub.add_parser(
        "scheduler", help="sweep every active borrower at an interval (safe to run several)"
    )
    scheduler.add_argument(
        "--interval", type=int, default=None, help="seconds (default IPCREDIT_SWEEP_INTERVAL)"
    )
    scheduler.add_argument("--now", action="store_true", help="also sweep once at start")
    scheduler.set_defaults(func=cmd_scheduler)
