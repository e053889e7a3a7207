"""Benchmark: import a 10,000-enterprise world into SQLite (target: under 60 s).

Run: .venv/bin/python bench/bench_import.py [--enterprises N]. Prints figures and the ratio to
the target, and one JSON line with the same figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 60.0


async def _import(world: Path, db_path: Path) -> tuple[float, dict[str, int]]:
    from db.connection import close_db, init_db
    from domain.world.importer import import_world_dir

    await init_db(f"sqlite://{db_path}")
    try:
        started = time.perf_counter()
        report = await import_world_dir(world)
        took = time.perf_counter() - started
    finally:
        await close_db()
    return took, report.added


def main() -> int:
    """Generate a world with the CLI, then time its import."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        exe = Path(sys.executable).with_name("ipcredit")
        subprocess.run(
            [str(exe), "world", "generate", "--enterprises", str(args.enterprises),
             "--seed", str(args.seed), "--out", str(world)],
            check=True,
        )  # fmt: skip
        took, added = asyncio.run(_import(world, Path(tmp) / "bench.sqlite3"))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = sum(added.values())
    print(f"imported {total} records ({args.enterprises} enterprises) in {took:.1f} s")
    print(f"  {total / took:,.0f} records/s, peak RSS {rss_mb:.0f} MB")
    print(
        f"  target {TARGET_S:.0f} s: ratio {took / TARGET_S:.2f} ({'OK' if took < TARGET_S else 'MISSED'})"
    )
    print(json.dumps({"seconds": round(took, 2), "records": total, "per_file": added,
                      "peak_rss_mb": round(rss_mb), "target_s": TARGET_S}))  # fmt: skip
    return 0 if took < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
