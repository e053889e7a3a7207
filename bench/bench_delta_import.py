"""Benchmark: a daily feed of 1,000 changed facts applied to a stored world (`world import --delta`).

Target: the delta into a 100,000-enterprise SQLite database under 10 s, as the operator's
command takes it (process start, checks, writes, the snapshot refresh queued for the workers).

Run: .venv/bin/python bench/bench_delta_import.py [--enterprises N] [--seed S] [--in-place]
     [--json]

The database is the served bench world's (data/bench/world-<N>/ipcredit.sqlite3, prepared by
the other benchmarks) when it exists; otherwise a lean one is made once in
data/bench/delta-<N>-<S>/ (`world generate`, `world import`, without snapshots). The feed is
built from the world's own files: a quarter of the facts are enterprises whose records changed
(employees, capital), a quarter tax years rated again, a quarter statements restated, a quarter
new guarantee contracts between firms already guaranteeing each other or not. It is applied to
a copy of the database (the base stays as it was; `--in-place` skips the copy of a large file
and changes the base) by `ipcredit world import --delta --json` in a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import Report  # noqa: E402
from bench.served import World, ipcredit_command, say  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FACTS = 1_000
TARGET_S = 10.0
RATINGS = ("A", "B", "M", "C", "D")


def _first(path: Path, count: int) -> list[dict[str, Any]]:
    """The first `count` records of a world file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in islice(fh, count)]


def base_database(enterprises: int, seed: int) -> tuple[Path, Path]:
    """(the SQLite file to apply the feed to, the world directory it was imported from)."""
    served = World.at(enterprises=enterprises, seed=seed)
    database = served.root / "ipcredit.sqlite3"
    if served.stamp.exists() and database.exists():
        say(f"using the prepared world's database {database}")
        return database, served.world_dir
    root = ROOT / "data" / "bench" / f"delta-{enterprises}-{seed}"
    world, database, stamp = root / "world", root / "base.sqlite3", root / "imported.json"
    if stamp.exists() and database.exists():
        say(f"reusing the base database {database}")
        return database, world
    root.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    env = _env(database, root / "data")
    if not (world / "enterprises.jsonl").exists():
        _run(["world", "generate", "--enterprises", str(enterprises), "--seed", str(seed),
              "--out", str(world)], env)  # fmt: skip
    _run(["world", "import", str(world)], env)
    stamp.write_text(json.dumps({"enterprises": enterprises, "seed": seed}))
    return database, world


def build_feed(world: Path, out: Path, salt: int) -> int:
    """Write a feed of FACTS changed facts built from the world's files; facts written."""
    quarter = FACTS // 4
    firms = _first(world / "enterprises.jsonl", quarter + 1)
    changed = [r | {"employees": int(r.get("employees") or 0) + salt} for r in firms[:quarter]]
    tax = [  # another rating: one to four steps along the scale
        r | {"rating": RATINGS[(RATINGS.index(r["rating"]) + 1 + salt % 4) % len(RATINGS)]}
        for r in _first(world / "tax.jsonl", quarter)
    ]
    statements = [
        r | {"cash": f"{float(r.get('cash') or 0) + salt:.2f}"}
        for r in _first(world / "financials.jsonl", quarter)
    ]
    usccs = [r["uscc"] for r in firms]
    since = f"2024-{1 + salt % 12:02d}-{1 + salt % 28:02d}"
    guarantees = [
        {"kind": "guarantee", "from": usccs[i], "to": usccs[i + 1],
         "amount": f"{100_000 + 1_000 * salt + i}.00", "since": since}
        for i in range(FACTS - 3 * quarter)
    ]  # fmt: skip
    feed = {"enterprises": changed, "tax": tax, "financials": statements, "relations": guarantees}
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in feed.items():
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return sum(len(rows) for rows in feed.values())


def _env(database: Path, data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{database}", "IPCREDIT_DATA_DIR": str(data_dir)}
    env.pop("BROKER_URL", None)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    say(f"$ ipcredit {' '.join(args)}")
    done = subprocess.run(
        [*ipcredit_command(), *args], cwd=ROOT, env=env, check=False, text=True,
        stdout=subprocess.PIPE,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"`ipcredit {' '.join(args)}` failed ({done.returncode})")
    return done


def measure(report: Report, enterprises: int, seed: int, in_place: bool) -> None:
    """Apply a feed to (a copy of) the base database and record the figures."""
    base, world = base_database(enterprises, seed)
    with tempfile.TemporaryDirectory(prefix="bench-delta-") as tmp:
        target = base
        if not in_place:
            target = Path(tmp) / "delta.sqlite3"
            say(f"copying {base} ({base.stat().st_size / 1e9:.2f} GB)")
            shutil.copyfile(base, target)
        facts = build_feed(world, Path(tmp) / "feed", salt=1 + int(time.time()) % 97)
        started = time.perf_counter()
        done = _run(["world", "import", "--delta", str(Path(tmp) / "feed"), "--json"],
                    _env(target, Path(tmp) / "data"))  # fmt: skip
        wall = time.perf_counter() - started
    result = json.loads(done.stdout.strip().splitlines()[-1])
    applied = int(result["total_added"]) + int(result["total_updated"])
    if applied != facts:
        raise RuntimeError(f"{applied} of {facts} facts of the feed were applied: {result}")
    size = f"{enterprises // 1000}k" if enterprises % 1000 == 0 else str(enterprises)
    report.figure(f"delta of {facts:,} facts into {size}: command", wall, "s", target=TARGET_S)
    report.figure(f"delta of {facts:,} facts into {size}: import", float(result["seconds"]), "s")
    report.figure(f"delta into {size}: enterprises touched", len(result["changed_usccs"]), "")


def main() -> int:
    """Prepare the base (once), apply a feed, report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--in-place", action="store_true", help="apply to the base, not a copy")
    ap.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = ap.parse_args()
    report = Report("delta_import")
    measure(report, args.enterprises, args.seed, args.in_place)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    sys.exit(main())
