"""`ipcredit demo`: the demo world, products and accounts in one step."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from cli.common import Subparsers, fail, run_with_db
from config import settings


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate (once) and import the demo world, seed products and demo accounts (never in
    production mode, never into a database with real data)."""
    from domain.demo import DemoRefused, load_demo

    s = settings()
    if s.production:
        return fail("the demo does not run in production mode (IPCREDIT_ENV=production)")

    async def go() -> int:
        try:
            summary: dict[str, Any] = await load_demo(
                data_dir=s.data_dir,
                enterprises=args.enterprises,
                seed=args.seed,
                inline_snapshots=args.inline,
                production=s.production,
                # the embedded database of the data directory (no DATABASE_URL) is the demo's own
                own_database=not os.environ.get("DATABASE_URL"),
            )
        except DemoRefused as exc:
            return fail(f"ipcredit demo: {exc.message}")
        print(
            json.dumps(summary) if args.json else summary,
            file=sys.stdout if args.json else sys.stderr,
        )
        return 0

    return run_with_db(go)


def register(sub: Subparsers) -> None:
    """Add `demo`."""
    demo = sub.add_parser("demo", help="load the demo world, products and demo accounts")
    demo.add_argument("--enterprises", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--json", action="store_true")
    demo.add_argument(
        "--inline",
        action="store_true",
        help="compute the indicator snapshots here (default: queued for the workers)",
    )
    demo.set_defaults(func=cmd_demo)
