"""`ipcredit indicators list | snapshot | compute`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from cli.common import Subparsers, fail, note, run_with_db
from domain.errors import DomainError


def _as_of(text: str) -> datetime:
    """An --as-of argument as an aware UTC datetime (a date or naive time is taken as UTC)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date or time: {text}") from exc
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def cmd_list(args: argparse.Namespace) -> int:
    """Print the registered indicators (all, or one category)."""
    from domain.indicators.registry import version
    from domain.indicators.service import indicator_definitions

    try:
        defs = indicator_definitions(category=args.category)
    except DomainError as exc:
        return fail(f"error: {exc.message}")
    if args.json:
        print(json.dumps([asdict(d) for d in defs], ensure_ascii=False))
    else:
        for d in defs:
            print(f"{d.code}\t{d.category}\t{d.source}\t{d.unit}\t{d.direction}\t{d.name}")
    note(f"{len(defs)} indicators, registry {version()}")
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Compute and store snapshots for the database's enterprises."""
    from domain.indicators.registry import version
    from domain.indicators.service import compute_and_store_snapshots

    when: datetime = args.as_of or datetime.now(UTC)
    usccs = args.uscc or None
    started = time.perf_counter()
    note(f"computing indicators as of {when.isoformat()}")
    try:
        stored = run_with_db(lambda: compute_and_store_snapshots(as_of=when, usccs=usccs))
    except DomainError as exc:
        return fail(f"error: {exc.message}")
    took = time.perf_counter() - started
    if args.json:
        print(json.dumps({"stored": stored, "as_of": when.isoformat(), "registry": version(),
                          "seconds": round(took, 2)}))  # fmt: skip
    note(f"stored {stored} snapshots in {took:.1f} s")
    return 0


def cmd_compute(args: argparse.Namespace) -> int:
    """Compute indicators from a world directory (no database) into a CSV file."""
    from domain.indicators.compute import compute_indicators
    from domain.world.frames import frames_from_dir

    when: datetime = args.as_of or datetime.now(UTC)
    started = time.perf_counter()
    frames = frames_from_dir(Path(args.world))
    note(f"read {len(frames.enterprises)} enterprises from {args.world}")
    table = compute_indicators(frames, when, usccs=args.uscc or None)
    table.to_csv(args.out)
    took = time.perf_counter() - started
    if args.json:
        print(json.dumps({"rows": len(table), "indicators": table.shape[1], "out": args.out,
                          "seconds": round(took, 2)}))  # fmt: skip
    print(f"wrote {table.shape[0]} x {table.shape[1]} indicators to {args.out} in {took:.1f} s",
          file=sys.stderr)  # fmt: skip
    return 0


def register(sub: Subparsers) -> None:
    """Add the `indicators` group."""
    group = sub.add_parser("indicators", help="risk indicators: catalogue and snapshots")
    group_sub = group.add_subparsers(dest="indicators_command", required=True, metavar="ACTION")
    lst = group_sub.add_parser("list", help="print the registered indicators")
    lst.add_argument("--category", help="only this category (registration, judicial, ...)")
    lst.add_argument("--json", action="store_true", help="print definitions as JSON")
    lst.set_defaults(func=cmd_list)
    snap = group_sub.add_parser(
        "snapshot", help="compute and store snapshots for the database's enterprises"
    )
    snap.add_argument("--as-of", type=_as_of, help="ISO date or time, UTC (default: now)")
    snap.add_argument("--uscc", action="append", help="only this enterprise (repeatable)")
    snap.add_argument("--json", action="store_true", help="print a JSON summary")
    snap.set_defaults(func=cmd_snapshot)
    comp = group_sub.add_parser("compute", help="compute from a world directory into a CSV file")
    comp.add_argument("world", help="world directory (JSON Lines files)")
    comp.add_argument("--out", required=True, help="CSV file to write")
    comp.add_argument("--as-of", type=_as_of, help="ISO date or time, UTC (default: now)")
    comp.add_argument("--uscc", action="append", help="only this enterprise (repeatable)")
    comp.add_argument("--json", action="store_true", help="print a JSON summary")
    comp.set_defaults(func=cmd_compute)
