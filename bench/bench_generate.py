"""Benchmark: generate and write a 100,000-enterprise synthetic world.

Targets: under 120 s and under 4 GB peak memory (resident set) on a 2-core machine.
Run: .venv/bin/python bench/bench_generate.py [--enterprises N] [--seed S] [--out DIR] [--json]
Without --out the world goes to a temporary directory that is removed afterwards. Prints the
time per file, rows per file, then the figures beside their targets (--json: also as one JSON
line); exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import Report  # noqa: E402
from domain.world.generator import generate_to_dir  # noqa: E402

TARGET_SECONDS = 120.0
TARGET_RSS_MB = 4096.0


def _peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    """Run the benchmark once and report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--contagion", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = ap.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="world-bench-"))
    started = time.perf_counter()
    marks: dict[str, float] = {}

    def progress(name: str, rows: int) -> None:
        marks[name] = time.perf_counter() - started
        print(f"  {marks[name]:7.2f} s  {name:<17} {rows:>10,} rows", file=sys.stderr)

    try:
        counts = generate_to_dir(
            out_dir=out,
            enterprises=args.enterprises,
            seed=args.seed,
            contagion=args.contagion,
            progress=progress,
        )
        seconds = time.perf_counter() - started
        size_mb = sum(p.stat().st_size for p in out.iterdir()) / 2**20
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    rss = _peak_rss_mb()
    total = sum(counts.values())
    for name, rows in counts.items():
        print(f"  {name:<17} {rows:>10,} rows", file=sys.stderr)
    report = Report("generate")
    size = f"{args.enterprises:,} enterprises"
    report.figure(f"generate {size} ({total:,} rows)", seconds, "s", target=TARGET_SECONDS)
    report.figure("peak RSS", rss, "MB", target=TARGET_RSS_MB)
    report.figure("rows per second", total / seconds, "rows/s")
    report.figure("on disk", size_mb, "MB")
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    sys.exit(main())
