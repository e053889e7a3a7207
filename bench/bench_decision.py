"""Benchmark: submit to decision on the embedded default (SQLite) with a 2,000-enterprise world.

Targets: median under 300 ms, 95th percentile under 1 s. Each timed step submits an application
and runs its assessment in-process right after, as the in-process broker would.

Run: .venv/bin/python bench/bench_decision.py [--enterprises N] [--applications A]
The demo world, its import and the trained models are kept under --data-dir (default
data/bench_decision) and reused by later runs; --fresh rebuilds them. Prints figures and one JSON
line with the same figures; exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import time
from collections import Counter
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MEDIAN_TARGET_MS = 300.0
P95_TARGET_MS = 1000.0
WARM_UP = 5


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _prepare(data_dir: Path, enterprises: int, seed: int, *, with_gnn: bool) -> None:
    """Load the demo world and products, and train the models, unless already done."""
    from db.models import Enterprise, IndicatorSnapshot, ModelCard
    from domain.products.service import seed_products
    from domain.scoring.service import train_models
    from domain.world.generator import generate_to_dir
    from domain.world.importer import import_world_dir

    if await Enterprise.all().count() < enterprises:
        world = data_dir / "world"
        if not (world / "enterprises.jsonl").exists():
            _say(f"generating a demo world of {enterprises} enterprises")
            await asyncio.to_thread(
                generate_to_dir, out_dir=world, enterprises=enterprises, seed=seed
            )
        _say("importing the world")
        await import_world_dir(world)
    await seed_products()
    if not await ModelCard.filter(name="scorecard", active=True).exists():
        _say("training the scorecard and the valuation model")
        await train_models(data_dir=data_dir, progress=_say)
    if with_gnn:
        from gnn.registry import active_version
        from gnn.service import train

        if active_version(data_dir) is None:
            _say("training the graph model")
            await train(data_dir=data_dir)
    if not await IndicatorSnapshot.all().exists():
        _say("computing indicator snapshots for every enterprise (the nightly batch)")
        await _snapshots()


async def _snapshots() -> None:
    """Store each enterprise's indicators as of the world's end, as a nightly batch would."""
    import math

    from db.frames import load_frames
    from db.models import Enterprise, IndicatorSnapshot
    from domain.indicators import registry
    from domain.indicators.compute import compute_indicators
    from gnn.service import default_as_of

    frames = await load_frames()
    as_of = default_as_of(frames).to_pydatetime().replace(tzinfo=UTC)
    table = await asyncio.to_thread(compute_indicators, frames, as_of)
    ids = dict(await Enterprise.all().values_list("uscc", "id"))
    rows = [
        IndicatorSnapshot(
            enterprise_id=ids[uscc],
            as_of=as_of,
            values={k: float(v) for k, v in row.items() if not math.isnan(v)},
            registry_version=registry.version(),
        )
        for uscc, row in table.iterrows()
        if uscc in ids
    ]
    await IndicatorSnapshot.bulk_create(rows, batch_size=200)


async def _candidates(count: int, rng: random.Random) -> list[tuple[int, list[str]]]:
    """Active enterprises with free granted patents, and up to two of those patents each."""
    from db.models import ApplicationPatent, Enterprise, Patent

    busy = set(await ApplicationPatent.all().values_list("patent_id", flat=True))
    patents = await Patent.filter(
        status="granted", pledged=False, owner_id__isnull=False, granted_on__isnull=False
    ).values_list("id", "number", "owner_id")
    active = set(await Enterprise.filter(status="active").values_list("id", flat=True))
    by_owner: dict[int, list[str]] = {}
    for pid, number, owner in patents:
        if pid not in busy and owner in active:
            by_owner.setdefault(owner, []).append(number)
    owners = sorted(by_owner)
    rng.shuffle(owners)
    return [(o, sorted(by_owner[o])[:2]) for o in owners[:count]]


async def _applicant(enterprise_id: int) -> Any:
    from db.models import Role, User
    from domain.accounts.principal import Principal

    email = f"bench-{enterprise_id}@bench.example"
    user = await User.get_or_none(email=email)
    if user is None:
        user = await User.create(
            email=email, password_hash="-", role=Role.APPLICANT, enterprise_id=enterprise_id
        )
    return Principal(user.id, email, Role.APPLICANT, enterprise_id)


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    from db.connection import close_db, init_db
    from db.models import LoanApplication
    from domain.applications.service import create_application, submit_application
    from domain.decision.service import assess_application

    data_dir: Path = args.data_dir
    await init_db(f"sqlite://{data_dir / 'ipcredit.sqlite3'}")
    try:
        await _prepare(data_dir, args.enterprises, args.seed, with_gnn=args.with_gnn)
        rng = random.Random(args.seed)
        chosen = await _candidates(args.applications + WARM_UP, rng)
        if len(chosen) < args.applications + WARM_UP:
            raise SystemExit(f"only {len(chosen)} enterprises have free granted patents")
        timings: list[float] = []
        outcomes: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        for index, (enterprise_id, numbers) in enumerate(chosen):
            principal = await _applicant(enterprise_id)
            application = await create_application(
                principal=principal,
                product_code="IPCREDIT_IP_PLEDGE",
                amount=Decimal(rng.choice([200_000, 500_000, 1_000_000, 2_000_000])),
                term_months=rng.choice([6, 12, 24, 36]),
                pledged_patent_numbers=numbers,
            )
            started = time.perf_counter()
            await submit_application(principal=principal, application_id=application.id)
            await assess_application(application_id=application.id)
            took = (time.perf_counter() - started) * 1000
            if index < WARM_UP:
                continue
            timings.append(took)
            decided = await LoanApplication.get(id=application.id)
            outcomes[str(decided.status)] += 1
            for reason in (decided.decision or {}).get("reasons", [])[:3]:
                reasons[reason["code"]] += 1
            if len(timings) % 20 == 0:
                _say(f"  {len(timings)}/{args.applications} decided")
    finally:
        await close_db()
    timings.sort()
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    return {
        "applications": len(timings),
        "median_ms": round(median, 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(timings[-1], 1),
        "outcomes": dict(outcomes),
        "top_reasons": dict(reasons.most_common(8)),
        "median_target_ms": MEDIAN_TARGET_MS,
        "p95_target_ms": P95_TARGET_MS,
    }


def main() -> int:
    """Prepare the world once, then time submit-to-decision for many applications."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--applications", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=Path("data/bench_decision"))
    parser.add_argument("--fresh", action="store_true", help="rebuild the world and models")
    parser.add_argument("--with-gnn", action="store_true", help="train and use the graph model")
    args = parser.parse_args()
    args.data_dir = args.data_dir.resolve()
    if args.fresh and args.data_dir.exists():
        shutil.rmtree(args.data_dir)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["IPCREDIT_DATA_DIR"] = str(args.data_dir)
    figures = asyncio.run(_run(args))
    ok = figures["median_ms"] < MEDIAN_TARGET_MS and figures["p95_ms"] < P95_TARGET_MS
    print(f"submit to decision over {figures['applications']} applications "
          f"({args.enterprises} enterprises, SQLite):")  # fmt: skip
    print(f"  median {figures['median_ms']:.0f} ms (target {MEDIAN_TARGET_MS:.0f}), "
          f"p95 {figures['p95_ms']:.0f} ms (target {P95_TARGET_MS:.0f}), "
          f"max {figures['max_ms']:.0f} ms: {'OK' if ok else 'MISSED'}")  # fmt: skip
    print(f"  outcomes {figures['outcomes']}")
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
