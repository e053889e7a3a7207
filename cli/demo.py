"""`ipcredit demo`: the demo world, products and accounts in one step."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cli.common import Subparsers, run_with_db
from config import settings


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate (once) and import the demo world, seed products and demo accounts."""
    from domain.demo import load_demo

    async def go() -> int:
        summary: dict[str, Any] = await load_demo(
            data_dir=settings().data_dir,
            enterprises=args.enterprises,
            seed=args.seed,
            inline_snapshots=args.inline,
        )
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
