"""Commands: `ipcredit worker`, `ipcredit scheduler` and `ipcredit world replay`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any


def cmd_worker(args: argparse.Namespace) -> int:
    """Run worker processes on the configured broker."""
    from actors.worker import run_worker

    queues = [q.strip() for q in args.queues.split(",") if q.strip()] if args.queues else None
    return run_worker(args.processes, args.threads, queues)


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Sweep every borrower on a timer (one sweep per interval across all schedulers)."""
    from actors.broker import get_broker, in_process
    from actors.scheduler import run_scheduler
    from config import settings

    if in_process(get_broker()):
        print("BROKER_URL is not set: in the embedded default the app runs the scheduler",
              file=sys.stderr)  # fmt: skip
        return 2
    return run_scheduler(interval=args.interval or settings().sweep_interval_seconds, now=args.now)


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a world's events.jsonl in time order through the ingest."""
    from config import settings
    from db.connection import close_db, init_db
    from domain.monitoring.replay import replay_events

    directory = Path(args.dir)
    if not (directory / "events.jsonl").is_file():
        print(f"{directory}: no events.jsonl", file=sys.stderr)
        return 2
    if args.speed < 0:
        print("--speed must be 0 or more", file=sys.stderr)
        return 2

    def progress(done: int, total: int) -> None:
        if done == total or done % 100 == 0:
            print(f"\revents: {done}/{total}", end="", file=sys.stderr, flush=True)

    async def main() -> int:
        await init_db(settings().database_url)
        try:
            report = await replay_events(directory, speed=args.speed, progress=progress)
            processed = 0
            if args.inline:
                from actors.dispatch import drain_inline

                processed = await drain_inline()
        finally:
            await close_db()
        print(file=sys.stderr)
        for problem in report.problems:
            print(problem, file=sys.stderr)
        if args.json:
            out: dict[str, Any] = {
                "read": report.read, "accepted": report.accepted,
                "duplicates": report.duplicates, "queued": report.queued,
                "rejected": report.rejected, "seconds": round(report.seconds, 3),
                "processed_inline": processed,
            }  # fmt: skip
            print(json.dumps(out))
        suffix = f"; {processed} outbox messages run inline" if args.inline else ""
        print(report.summary() + suffix, file=sys.stderr)
        return 0

    return asyncio.run(main())


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def register_world(world_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `world replay`."""
    replay = world_sub.add_parser(
        "replay", help="replay a world's events.jsonl in time order (duplicates are safe)"
    )
    replay.add_argument("dir", help="world directory holding events.jsonl")
    replay.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="replay gaps X times faster than they happened (0, the default: no waiting)",
    )
    replay.add_argument(
        "--inline",
        action="store_true",
        help="also process the events here (no broker or app needed; not while one runs)",
    )
    replay.add_argument("--json", action="store_true", help="print counts as JSON on stdout")
    replay.set_defaults(func=cmd_replay)
