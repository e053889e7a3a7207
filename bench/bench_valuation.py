"""Benchmark: value 100,000 patents (quality features, model, status rules, LTV) in seconds.

Run: .venv/bin/python bench/bench_valuation.py [--patents N] [--enterprises E] [--repeat R]
[--json].
Generates a world big enough to hold N patents, fits the valuation model on its priced patents,
then times (a) the quality features of every patent, (b) the valuation of N patents, and
reports the best of R runs beside the 10 s target (--json: also as one JSON line); exits 1 if
the target is missed. In-process, from frames held in memory: no server, no HTTP.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import Report  # noqa: E402
from domain.valuation.service import fit_on_frames, quality_of  # noqa: E402
from domain.valuation.value import value_patents  # noqa: E402
from domain.world.frames import frames_from_rows  # noqa: E402
from domain.world.generator import generate_world  # noqa: E402

TARGET_S = 10.0
END = datetime(2026, 1, 1, tzinfo=UTC)


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patents", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=12_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()

    started = time.perf_counter()
    frames = frames_from_rows(generate_world(enterprises=args.enterprises, seed=args.seed))
    print(
        f"world: {len(frames.patents)} patents in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    model, metrics, _ = fit_on_frames(frames, as_of=END)
    print(f"model fitted on {metrics['n_train']} priced patents", file=sys.stderr)

    quality_s, value_s = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        quality = quality_of(frames, END)
        t1 = time.perf_counter()
        if len(quality) < args.patents:  # repeat rows under new numbers to reach N
            copies = -(-args.patents // len(quality))
            parts = [quality.set_axis([f"{n}-{i}" for n in quality.index]) for i in range(copies)]
            quality = pd.concat(parts)
        batch = quality.iloc[: args.patents]
        t2 = time.perf_counter()
        out = value_patents(model, batch)
        t3 = time.perf_counter()
        assert len(out) == args.patents
        quality_s.append(t1 - t0)
        value_s.append(t3 - t2)
    q, v = min(quality_s), min(value_s)
    # quality features cost in proportion to the patents they cover
    total = q * args.patents / len(frames.patents) + v
    report = Report("valuation")
    report.figure(f"quality features of {len(frames.patents):,} patents, in-process", q, "s")
    report.figure(f"valuation of {args.patents:,} (model, status rules, LTV), in-process", v, "s")
    report.figure(f"{args.patents:,} patents end to end, in-process", total, "s", target=TARGET_S)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    sys.exit(main())
