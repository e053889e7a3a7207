"""`ipcredit world generate`: write a seeded synthetic world in the world format."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from domain.errors import DomainError
from domain.world.generator import (
    DEFAULT_CONTAGION,
    DEFAULT_MONTHS,
    DEFAULT_START,
    generate_to_dir,
)


def register(world_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `generate` subcommand to the `world` command group."""
    p = world_sub.add_parser(
        "generate",
        help="generate a synthetic world (same seed and arguments, same bytes)",
        description="Generate a synthetic world directory in the world format (docs/world.md).",
    )
    p.add_argument("--enterprises", type=int, required=True, help="number of enterprises")
    p.add_argument("--seed", type=int, required=True, help="random seed (>= 0)")
    p.add_argument("--out", type=Path, required=True, help="directory to write the files to")
    p.add_argument(
        "--contagion",
        type=float,
        default=DEFAULT_CONTAGION,
        help=f"strength of default contagion along relations; 0 turns it off "
        f"(default {DEFAULT_CONTAGION})",
    )
    p.add_argument(
        "--start",
        type=date.fromisoformat,
        default=DEFAULT_START,
        help=f"first day of the observation timeline (default {DEFAULT_START.isoformat()})",
    )
    p.add_argument(
        "--months",
        type=int,
        default=DEFAULT_MONTHS,
        help=f"length of the timeline in months (default {DEFAULT_MONTHS})",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.set_defaults(func=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    """Generate the world; progress on stderr, a summary (or JSON) at the end."""
    started = time.perf_counter()

    def progress(name: str, rows: int) -> None:
        print(
            f"  {name}.jsonl: {rows} rows ({time.perf_counter() - started:.1f} s)", file=sys.stderr
        )

    try:
        counts = generate_to_dir(
            out_dir=args.out,
            enterprises=args.enterprises,
            seed=args.seed,
            contagion=args.contagion,
            start=args.start,
            months=args.months,
            progress=progress,
        )
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    if args.json:
        result = {
            "out": str(args.out),
            "enterprises": args.enterprises,
            "seed": args.seed,
            "contagion": args.contagion,
            "start": args.start.isoformat(),
            "months": args.months,
            "rows": counts,
            "seconds": round(seconds, 3),
        }
        print(json.dumps(result, ensure_ascii=False, sort_keys=True))
    total = sum(counts.values())
    print(
        f"world generated in {args.out}: {args.enterprises} enterprises, {total} rows "
        f"in {len(counts)} files, seed {args.seed}, contagion {args.contagion:g}, "
        f"{seconds:.1f} s",
        file=sys.stderr,
    )
    return 0
