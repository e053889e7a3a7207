"""The console benchmark's world: a copy of the prepared 2,000-firm bench world, seeded with what
the measured screens need.

    world = console_world(World.at(enterprises=2000))   # data/bench/console-2000/, fresh each run
    seed_queue(world, applications=10_000)              # the work queue holds 10,000 rows
    customers = seed_customers(world, count=500)        # firms the monitor warns about

Each run starts from a fresh copy of the prepared world, so reruns start alike (a warning stays
open per firm and kind, and the queue would keep growing). Seeding writes straight into the
copy's database through the ORM, before the server starts: the rows are then read, and the
warnings raised, only through the served API.

- the queue: applications in MANUAL_REVIEW held by nobody, each with a decision record (grade,
  graph risk, proposed amount) as the assessment writes it, so every column of the table has a
  value to draw;
- customers: enterprises marked registered (the monitor warns about registered firms and
  borrowers, domain/monitoring/records.py), none with a warning yet.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench.served import STAFF_EMAIL, World, say

GRADES = ("A", "B", "C", "D")
KEPT = ("world", "models", "totp", "prepared.json", "ipcredit.sqlite3")


@dataclass(frozen=True)
class Customer:
    """An enterprise the monitor warns about: its database id and USCC."""

    id: int
    uscc: str


def console_world(source: World) -> World:
    """A fresh copy of the prepared `source` world (its SQLite database, models, second-factor
    secrets) under data/bench/console-<size>/. With BENCH_DATABASE_URL set the database is
    shared and used as it is."""
    source.prepare()
    target = World.at(
        enterprises=source.enterprises, seed=source.seed, name=f"console-{source.enterprises}"
    )
    if target.root.exists():
        shutil.rmtree(target.root)
    target.root.mkdir(parents=True)
    for name in KEPT:
        path = source.root / name
        if path.is_dir():
            shutil.copytree(path, target.root / name)
        elif path.exists() and not (
            name.endswith(".sqlite3") and os.environ.get("BENCH_DATABASE_URL")
        ):
            shutil.copy2(path, target.root / name)
    say(f"a fresh copy of {source.root.name} in {target.root}")
    return target


async def _open(world: World) -> None:
    from db.connection import init_db

    await init_db(world.database_url)


async def _close() -> None:
    from db.connection import close_db

    await close_db()


def _decision(index: int, amount: Decimal, referred: datetime) -> dict[str, object]:
    return {
        "outcome": "MANUAL_REVIEW",
        "decided_at": referred.isoformat(),
        "approved_amount": str(amount * Decimal("0.8")),
        "inputs": {"grade": GRADES[index % len(GRADES)], "graph_risk": (index % 97) / 100},
    }


async def _seed_queue(world: World, applications: int) -> int:
    from db.models import Enterprise, LoanApplication, LoanProduct, User

    await _open(world)
    try:
        product = await LoanProduct.filter(code="TECH_CREDIT").first() or await LoanProduct.first()
        author = await User.get(email=STAFF_EMAIL)
        firms = await Enterprise.all().order_by("id").limit(2000).values_list("id", flat=True)
        if product is None or not firms:
            raise RuntimeError("the world has no products or no enterprises")
        start = datetime.now(UTC) - timedelta(days=30)
        rows = []
        for i in range(applications):
            amount = Decimal(100_000 + (i % 50) * 20_000)
            referred = start + timedelta(minutes=i)
            rows.append(
                LoanApplication(
                    enterprise_id=firms[i % len(firms)], product_id=product.id,
                    created_by_id=author.id, amount=amount, term_months=12,
                    status="MANUAL_REVIEW", submitted_at=referred, decided_at=referred,
                    decision=_decision(i, amount, referred),
                )
            )  # fmt: skip
        await LoanApplication.bulk_create(rows, batch_size=1000)
        return await LoanApplication.filter(status="MANUAL_REVIEW", assigned_to_id=None).count()
    finally:
        await _close()


def seed_queue(world: World, *, applications: int) -> int:
    """Add `applications` applications awaiting a first review; how many the queue holds now."""
    held = asyncio.run(_seed_queue(world, applications))
    say(f"the work queue holds {held:,} applications")
    return held


async def _seed_customers(world: World, count: int) -> list[Customer]:
    from db.models import Enterprise, RiskWarning

    await _open(world)
    try:
        warned = set(await RiskWarning.all().values_list("enterprise_id", flat=True))
        found = await (
            Enterprise.filter(status="active", registered=False)
            .order_by("id")
            .values_list("id", "uscc")
        )
        chosen = [Customer(int(i), str(u)) for i, u in found if i not in warned][:count]
        if len(chosen) < count:
            raise RuntimeError(f"only {len(chosen)} enterprises are free to become customers")
        await Enterprise.filter(id__in=[c.id for c in chosen]).update(registered=True)
        return chosen
    finally:
        await _close()


def seed_customers(world: World, *, count: int) -> list[Customer]:
    """Mark `count` enterprises without warnings as registered customers; them."""
    return asyncio.run(_seed_customers(world, count))
