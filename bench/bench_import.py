"""Benchmark: import a 100,000-enterprise world into SQLite and into PostgreSQL.

Targets on a 2-core machine: at least 50,000 rows/s into SQLite and 100,000 rows/s into
PostgreSQL, each import under 2 GB peak memory; with a million enterprises, the PostgreSQL
import under 15 minutes.

Run: .venv/bin/python bench/bench_import.py [--enterprises N] [--seed S] [--only sqlite|postgres]
     [--pg-admin URL] [--json]

The world is generated once (`ipcredit world generate`) into data/bench/import-<N>-<S>/ and reused.
Each import is `ipcredit world import --json` in a child process, as an operator runs it, into a
new database: a SQLite file in a temporary directory, and the PostgreSQL database
ipc_bench_import, created on the server of --pg-admin (default BENCH_PG_ADMIN or
postgres://postgres@127.0.0.1:5432/postgres) and dropped afterwards. Rows per second count the
lines of the world's files over the import's own time (the schema's creation is left out); the
peak memory is the child's resident set (from wait4).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import Report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PG_DATABASE = "ipc_bench_import"
TARGET_ROWS_PER_S = {"sqlite": 50_000.0, "postgres": 100_000.0}
TARGET_PEAK_MB = 2048.0
TARGET_MILLION_S = 900.0  # a million enterprises into PostgreSQL
LABEL = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def say(message: str) -> None:
    """Progress on stderr (stdout is kept for the figures)."""
    print(message, file=sys.stderr, flush=True)


def ipcredit() -> list[str]:
    """The `ipcredit` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "ipcredit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def world_dir(enterprises: int, seed: int) -> Path:
    """The generated world, made once and reused by later runs."""
    root = ROOT / "data" / "bench" / f"import-{enterprises}-{seed}"
    world = root / "world"
    stamp = root / "generated.json"
    if stamp.exists() and (world / "enterprises.jsonl").exists():
        say(f"reusing the world in {world}")
        return world
    root.mkdir(parents=True, exist_ok=True)
    say(f"generating a world of {enterprises:,} enterprises (seed {seed}) in {world}")
    subprocess.run(
        [*ipcredit(), "world", "generate", "--enterprises", str(enterprises), "--seed", str(seed),
         "--out", str(world)],
        cwd=ROOT, check=True,
    )  # fmt: skip
    stamp.write_text(json.dumps({"enterprises": enterprises, "seed": seed}))
    return world


def run_import(world: Path, database_url: str, data_dir: Path) -> tuple[dict[str, Any], float]:
    """`ipcredit world import --json` in a child; its JSON result and peak resident set in MB."""
    env = {**os.environ, "DATABASE_URL": database_url, "IPCREDIT_DATA_DIR": str(data_dir)}
    env.pop("BROKER_URL", None)
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(
            [*ipcredit(), "world", "import", str(world), "--json"], cwd=ROOT, env=env, stdout=out
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if child.returncode != 0:
        raise RuntimeError(f"the import into {database_url} failed ({child.returncode})")
    return json.loads(text.strip().splitlines()[-1]), usage.ru_maxrss / 1024


async def _admin(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_url(admin_url: str) -> str:
    """A new, empty database next to the admin database."""
    asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{PG_DATABASE}"'))
    return admin_url.rsplit("/", 1)[0] + "/" + PG_DATABASE


def measure(report: Report, kind: str, world: Path, enterprises: int, admin: str) -> None:
    """Import the world into a new database of this kind and record the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        url = (
            f"sqlite://{Path(tmp) / 'import.sqlite3'}" if kind == "sqlite" else postgres_url(admin)
        )
        say(f"importing into {LABEL[kind]} ({url})")
        try:
            started = time.perf_counter()
            result, peak_mb = run_import(world, url, Path(tmp) / "data")
            wall = time.perf_counter() - started
        finally:
            if kind == "postgres":
                asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
    if result["total_added"] != result["total_rows"]:
        raise RuntimeError(f"{result['total_added']} of {result['total_rows']} rows were added")
    seconds, rows = float(result["seconds"]), int(result["total_rows"])
    label = f"{LABEL[kind]} import {_size(enterprises)}"
    million = kind == "postgres" and enterprises >= 1_000_000
    report.figure(f"{label}: seconds", seconds, "s", target=TARGET_MILLION_S if million else None)
    report.figure(f"{label}: command seconds", wall, "s")
    report.figure(
        f"{label}: rows/s", rows / seconds, "rows/s", target=TARGET_ROWS_PER_S[kind],
        better="higher",
    )  # fmt: skip
    report.figure(f"{label}: peak memory", peak_mb, "MB", target=TARGET_PEAK_MB)


def _size(enterprises: int) -> str:
    """100k, 1M: the world's size in figure names."""
    if enterprises % 1_000_000 == 0:
        return f"{enterprises // 1_000_000}M"
    return f"{enterprises // 1000}k" if enterprises % 1000 == 0 else str(enterprises)


def main() -> int:
    """Generate (once), import into each database, report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--only", choices=("sqlite", "postgres"), default=None)
    ap.add_argument(
        "--pg-admin",
        default=os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a database on the PostgreSQL server to create the benchmark's database from",
    )
    ap.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = ap.parse_args()

    world = world_dir(args.enterprises, args.seed)
    report = Report("import")
    for kind in ("sqlite", "postgres"):
        if args.only in (None, kind):
            measure(report, kind, world, args.enterprises, args.pg_admin)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    sys.exit(main())
