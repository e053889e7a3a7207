"""The demo: a generated world in the data directory, imported, with products and staff.

It is for development only: it refuses production mode and any database that holds real data
(an enterprise that is not from the demo world, a user that is not a demo account, a loan), and
production refuses to start while demo accounts exist. Demo staff get a random password, printed
once, unless the database is the demo's own (the embedded database in the data directory,
whose published password the README gives).
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Any

from db.models import Enterprise, Loan, ModelCard, Role, User
from domain.accounts.service import create_staff_user
from domain.errors import InvalidState

DEMO_PASSWORD = "demo-password-1"
DEMO_STAFF = (
    ("officer@ipcredit.local", Role.LOAN_OFFICER),
    ("risk@ipcredit.local", Role.RISK_MANAGER),
    ("admin@ipcredit.local", Role.ADMIN),
    ("feed@ipcredit.local", Role.SERVICE),
)
DEMO_EMAILS = frozenset(email for email, _ in DEMO_STAFF)


class DemoRefused(InvalidState):
    """The demo may not run here (production mode, or a database with real data)."""


async def check_demo_allowed(*, production: bool, world_dir: Path) -> None:
    """INVALID_STATE in production mode or when the database holds anything but the demo."""
    _refuse_production(production)
    found = await real_data(world_dir=world_dir)
    if found:
        raise DemoRefused(
            "this database holds real data (" + "; ".join(found) + "): the demo loads only into "
            "an empty database or one it loaded before; point DATABASE_URL elsewhere"
        )


def _refuse_production(production: bool) -> None:
    if production:
        raise DemoRefused("the demo does not run in production mode (IPCREDIT_ENV=production)")


async def real_data(*, world_dir: Path) -> list[str]:
    """What in the database did not come from the demo: loans, other users, other enterprises."""
    found = []
    loans = await Loan.all().count()
    if loans:
        found.append(f"{loans} loan(s)")
    users = await User.exclude(email__in=sorted(DEMO_EMAILS)).count()
    if users:
        found.append(f"{users} user(s) that are not demo accounts")
    demo = _world_usccs(world_dir)
    others = sum(1 for u in await Enterprise.all().values_list("uscc", flat=True) if u not in demo)
    if others:
        found.append(f"{others} enterprise(s) not from the demo world")
    return found


def _world_usccs(world_dir: Path) -> set[str]:
    """The USCCs of the demo world's enterprises (none when it is not generated yet)."""
    path = world_dir / "enterprises.jsonl"
    if not path.exists():
        return set()
    with path.open(encoding="utf-8") as lines:
        return {json.loads(line)["uscc"] for line in lines if line.strip()}


async def demo_accounts_present() -> list[str]:
    """The demo accounts in the database, by email."""
    found = await User.filter(email__in=sorted(DEMO_EMAILS)).values_list("email", flat=True)
    return sorted(str(e) for e in found)


async def refuse_demo_accounts() -> None:
    """Production refuses to start while demo accounts exist (their passwords were printed or
    published): raise INVALID_STATE naming them."""
    present = await demo_accounts_present()
    if present:
        raise DemoRefused(
            "production mode refuses to start: demo accounts are present ("
            + ", ".join(present)
            + "); this database was loaded with `ipcredit demo`: use another one"
        )


async def load_demo(
    *,
    data_dir: Path,
    enterprises: int,
    seed: int,
    inline_snapshots: bool = False,
    production: bool = False,
    own_database: bool = False,
) -> dict[str, Any]:
    """Generate the world once, import it (idempotent), seed products and demo staff.

    Refused in production mode and in a database with real data (`check_demo_allowed`). A
    world that changed has its indicator snapshots recomputed: queued for the workers, or
    here with a progress line when `inline_snapshots`. Staff passwords are random and in the
    summary only, unless `own_database` (the embedded database of the data directory).
    """
    from domain.products.service import seed_products
    from domain.world.generator import generate_to_dir
    from domain.world.importer import import_world_dir

    world_dir = data_dir / "world"
    _refuse_production(production)
    if not (world_dir / "enterprises.jsonl").exists():
        print(f"generating a demo world of {enterprises} enterprises...", file=sys.stderr)
        generate_to_dir(out_dir=world_dir, enterprises=enterprises, seed=seed)
    await check_demo_allowed(production=production, world_dir=world_dir)
    print("importing the demo world...", file=sys.stderr)
    report = await import_world_dir(world_dir)
    snapshots: int | str = "unchanged"
    if report.total_added or report.changed_usccs:
        snapshots = await _refresh_snapshots(inline_snapshots)
    products = await seed_products()
    trained: list[str] = []
    if not await ModelCard.filter(active=True).exists():
        from domain.scoring.service import train_models

        print(
            "training the valuation model and the scorecard on the demo world...", file=sys.stderr
        )
        cards = await train_models(
            data_dir=data_dir, progress=lambda m: print(f"  {m}", file=sys.stderr)
        )
        trained = [f"{c.name} {c.version}" for c in cards]
        trained += await _train_graph_model(data_dir)
    passwords = await _create_staff(own_database=own_database)
    return {
        "world": str(world_dir),
        "records_added": report.total_added,
        "snapshots": snapshots,
        "products": len(products),
        "models_trained": trained,
        "staff_created": sorted(passwords),
        # shown once: only the hashes are kept
        "staff_passwords": passwords,
    }


async def _create_staff(*, own_database: bool) -> dict[str, str]:
    """The demo staff not created yet, with their passwords: the published one in the demo's
    own database, else a random one each."""
    passwords = {}
    for email, role in DEMO_STAFF:
        if not await User.filter(email=email).exists():
            password = DEMO_PASSWORD if own_database else secrets.token_urlsafe(18)
            await create_staff_user(email=email, password=password, role=role)
            passwords[email] = password
    return passwords


async def _refresh_snapshots(inline: bool) -> int | str:
    """Every enterprise's indicator snapshot: computed here (the number stored), or queued."""
    from domain.indicators.refresh import queue_refresh, refresh_snapshots

    if not inline:
        await queue_refresh(None)
        return "queued"

    def progress(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r  indicator snapshots: {done:,}/{total:,}", end=end, file=sys.stderr, flush=True)

    print("computing indicator snapshots...", file=sys.stderr)
    return await refresh_snapshots(progress=progress)


async def _train_graph_model(data_dir: Path) -> list[str]:
    """Train the graph model on the demo world; decisions go on without it if it cannot be."""
    from gnn import service
    from gnn.errors import GraphRiskError

    print("training the graph risk model on the demo world...", file=sys.stderr)
    try:
        card = await service.train(
            data_dir=data_dir, log=lambda m: print(f"  {m}", file=sys.stderr)
        )
    except GraphRiskError as exc:
        print(f"  graph model not trained: {exc.message}", file=sys.stderr)
        return []
    return [f"gnn {card.get('version')}"]
