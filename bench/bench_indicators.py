"""Benchmark: every registered indicator for a 10,000-enterprise world, against a 30 s target.

Run: .venv/bin/python bench/bench_indicators.py [--enterprises N] [--seed S] [--world DIR]
[--as-of YYYY-MM-DD] [--repeat R] [--json]. Generates the world in memory (or reads a world
directory), times `compute_indicators` for all firms at once and prints the seconds beside the
target (--json: also as one JSON line); exits 1 if the target is missed. In-process, from
frames: the served decision reads one enterprise's indicators (bench/bench_decision.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import Report  # noqa: E402
from db.frames import WorldFrames  # noqa: E402
from domain.indicators.compute import compute_indicators  # noqa: E402
from domain.indicators.registry import definitions, version  # noqa: E402
from domain.world.frames import frames_from_dir, frames_from_rows  # noqa: E402

TARGET_S = 30.0


def _frames(args: argparse.Namespace) -> WorldFrames:
    if args.world:
        return frames_from_dir(Path(args.world))
    from domain.world.generator import generate_world

    return frames_from_rows(generate_world(enterprises=args.enterprises, seed=args.seed))


def main() -> int:
    """Run the benchmark; returns 0 when under the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--world", help="read this world directory instead of generating one")
    parser.add_argument("--as-of", help="as-of date (default: 12 months before the outcomes)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    t0 = time.perf_counter()
    frames = _frames(args)
    load_s = time.perf_counter() - t0
    if args.as_of:
        as_of = pd.Timestamp(args.as_of)
    elif not frames.outcomes.empty:
        as_of = pd.Timestamp(frames.outcomes["as_of"].max()) - pd.DateOffset(months=12)
    else:
        as_of = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    n = len(frames.enterprises)
    print(f"world: {n} enterprises, {len(frames.patents)} patents, {len(frames.events)} events "
          f"({load_s:.1f} s to build)", file=sys.stderr)  # fmt: skip
    times = []
    result = pd.DataFrame()
    for _ in range(max(1, args.repeat)):
        t1 = time.perf_counter()
        result = compute_indicators(frames, as_of)
        times.append(time.perf_counter() - t1)
    seconds = statistics.median(times)
    print(f"{len(definitions())} indicators, registry {version()}, as of {as_of.date()}",
          file=sys.stderr)  # fmt: skip
    report = Report("indicators")
    label = f"{n:,} enterprises x {result.shape[1]} indicators, in-process"
    report.figure(label, seconds, "s", target=TARGET_S)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    raise SystemExit(main())
