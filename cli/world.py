"""`ipcredit world generate | import | export | replay`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from cli.common import Subparsers, fail, note, run_with_db
from domain.errors import DomainError
from domain.world.generator import (
    DEFAULT_CONTAGION,
    DEFAULT_MONTHS,
    DEFAULT_START,
    generate_to_dir,
)


def cmd_import(args: argparse.Namespace) -> int:
    """Validate and import a world directory; on any bad line print them all and write nothing.

    Progress goes to stderr, one line per file, then a one-line summary; `--json` prints the
    report on stdout. `--delta` applies a feed of new and changed records: the snapshots of the
    enterprises it touches are recomputed, not every one.
    """
    from domain.world.importer import FileProgress, WorldChanged, WorldInvalid, import_world_dir

    directory = Path(args.dir)
    if not directory.is_dir():
        return fail(f"{directory}: not a directory")
    live = sys.stderr.isatty()

    def progress(p: FileProgress) -> None:
        if p.done:
            end = "\n"
        elif live:
            end = ""
        else:
            return
        if p.checked:
            text = f"  {p.file}: {p.rows:,} lines checked, written after the citations"
        else:
            updated = f", {p.updated:,} updated" if p.updated else ""
            text = f"  {p.file}: {p.rows:,} lines, {p.added:,} added{updated} ({p.seconds:.1f} s)"
        print(f"\r{text}", end=end, file=sys.stderr, flush=True)

    async def go() -> int:
        try:
            report = await import_world_dir(directory, progress=progress, delta=args.delta)
        except WorldInvalid as exc:
            for line in exc.lines:
                note(line)
            note(f"import refused: {exc.message}")
            if args.json:
                print(json.dumps({"ok": False, "bad_lines": exc.count, "errors": exc.lines}))
            return 1
        except WorldChanged as exc:
            note(f"import abandoned, nothing was written: {exc}")
            return 1
        if args.json:
            result = _import_result(report)
            if args.delta:  # what a feed touched, for whoever follows it
                result["changed_usccs"] = sorted(report.changed_usccs)
            print(json.dumps(result))
        note(_summary(report))
        if args.delta:
            if report.changed_usccs:
                await snapshot_step(inline=args.inline, usccs=sorted(report.changed_usccs))
        elif report.total_added or report.changed_usccs:
            await snapshot_step(inline=args.inline)
        return 0

    return run_with_db(go)


def _summary(report: Any) -> str:
    """The one-line summary of an import."""
    rate = report.total_rows / report.seconds if report.seconds else 0.0
    updated = f", {report.total_updated} updated" if report.total_updated else ""
    return (
        f"imported {report.total_added} records{updated} "
        f"({sum(report.unchanged.values())} already present, "
        f"{report.total_collapsed} duplicate lines collapsed) from {report.total_rows:,} "
        f"lines in {report.seconds:.1f} s ({rate:,.0f} lines/s)"
    )


async def snapshot_step(*, inline: bool, usccs: list[str] | None = None) -> None:
    """After an import the indicator snapshots are recomputed (of `usccs` only, when given):
    here with a progress line (`inline`), else queued for the workers, which do it in the
    background."""
    from domain.indicators.refresh import queue_refresh, refresh_snapshots

    if not inline:
        await queue_refresh(usccs)
        note("indicator snapshots queued: the workers recompute them in the background")
        return
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r  indicator snapshots: {done:,}/{total:,}", end=end, file=sys.stderr, flush=True)

    stored = await refresh_snapshots(usccs=usccs, progress=progress)
    note(f"stored {stored:,} indicator snapshots in {time.perf_counter() - started:.1f} s")


def _import_result(report: Any) -> dict[str, Any]:
    """The machine-readable summary of an import."""
    return {
        "ok": True,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicates_collapsed": report.duplicates_collapsed,
        "rows": report.rows,
        "total_rows": report.total_rows,
        "total_added": report.total_added,
        "total_updated": report.total_updated,
        "total_collapsed": report.total_collapsed,
        "enterprises_added": len(report.added_usccs),
        "enterprises_changed": len(report.changed_usccs),
        "seconds": round(report.seconds, 3),
    }


def cmd_export(args: argparse.Namespace) -> int:
    """Export the database's world to a directory."""
    from domain.world.exporter import export_world

    async def go() -> int:
        counts = await export_world(Path(args.dir))
        if args.json:
            print(json.dumps(counts))
        note(f"exported {sum(counts.values())} records to {args.dir}")
        return 0

    return run_with_db(go)


def cmd_generate(args: argparse.Namespace) -> int:
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
        return fail(f"error: {exc.message}")
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


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a world's events.jsonl in time order through the ingest."""
    from domain.monitoring.replay import ReplayReport, replay_events

    directory = Path(args.dir)
    if not (directory / "events.jsonl").is_file():
        return fail(f"{directory}: no events.jsonl")
    if args.speed < 0:
        return fail("--speed must be 0 or more")

    def progress(done: int, total: int) -> None:
        if done == total or done % 100 == 0:
            print(f"\revents: {done}/{total}", end="", file=sys.stderr, flush=True)

    async def go() -> tuple[ReplayReport, int]:
        report = await replay_events(directory, speed=args.speed, progress=progress)
        processed = 0
        if args.inline:
            from actors.dispatch import drain_inline

            processed = await drain_inline()
        return report, processed

    report, processed = run_with_db(go)
    print(file=sys.stderr)
    for problem in report.problems:
        note(problem)
    if args.json:
        out: dict[str, Any] = {
            "read": report.read, "accepted": report.accepted,
            "duplicates": report.duplicates, "queued": report.queued,
            "rejected": report.rejected, "seconds": round(report.seconds, 3),
            "processed_inline": processed,
        }  # fmt: skip
        print(json.dumps(out))
    suffix = f"; {processed} outbox messages run inline" if args.inline else ""
    note(report.summary() + suffix)
    return 0


def register(sub: Subparsers) -> None:
    """Add the `world` group."""
    world = sub.add_parser("world", help="generate, import, export or replay a world")
    world_sub = world.add_subparsers(dest="world_command", required=True, metavar="ACTION")
    imp = world_sub.add_parser(
        "import", help="validate and import a world directory (all or nothing)"
    )
    imp.add_argument("dir", help="directory of JSON Lines files")
    imp.add_argument(
        "--delta",
        action="store_true",
        help="a feed of new and changed records for the database's world: changed records "
        "are updated in place, files may be left out, only touched enterprises' snapshots "
        "are recomputed",
    )
    imp.add_argument("--json", action="store_true", help="print counts as JSON on stdout")
    imp.add_argument(
        "--inline",
        action="store_true",
        help="recompute the indicator snapshots here (default: queued for the workers)",
    )
    imp.set_defaults(func=cmd_import)
    exp = world_sub.add_parser("export", help="export the database's world to a directory")
    exp.add_argument("dir", help="output directory")
    exp.add_argument("--json", action="store_true", help="print counts as JSON on stdout")
    exp.set_defaults(func=cmd_export)
    _register_generate(world_sub)
    _register_replay(world_sub)


def _register_generate(world_sub: Subparsers) -> None:
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
    p.set_defaults(func=cmd_generate)


def _register_replay(world_sub: Subparsers) -> None:
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
