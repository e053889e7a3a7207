"""The demo: a generated world in the data directory, imported, with products and staff."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from db.models import ModelCard, Role, User
from domain.accounts.service import create_staff_user

DEMO_PASSWORD = "demo-password-1"
DEMO_STAFF = (
    ("officer@ipcredit.local", Role.LOAN_OFFICER),
    ("risk@ipcredit.local", Role.RISK_MANAGER),
    ("admin@ipcredit.local", Role.ADMIN),
    ("feed@ipcredit.local", Role.SERVICE),
)


async def load_demo(
    *, data_dir: Path, enterprises: int, seed: int, inline_snapshots: bool = False
) -> dict[str, Any]:
    """Generate the world once, import it (idempotent), seed products and demo staff.

    A world that changed has its indicator snapshots recomputed: queued for the workers, or
    here with a progress line when `inline_snapshots`.
    """
    from domain.products.service import seed_products
    from domain.world.generator import generate_to_dir
    from domain.world.importer import import_world_dir

    world_dir = data_dir / "world"
    if not (world_dir / "enterprises.jsonl").exists():
        print(f"generating a demo world of {enterprises} enterprises...", file=sys.stderr)
        generate_to_dir(out_dir=world_dir, enterprises=enterprises, seed=seed)
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
    created = []
    for email, role in DEMO_STAFF:
        if not await User.filter(email=email).exists():
            await create_staff_user(email=email, password=DEMO_PASSWORD, role=role)
            created.append(email)
    return {
        "world": str(world_dir),
        "records_added": report.total_added,
        "snapshots": snapshots,
        "products": len(products),
        "models_trained": trained,
        "staff_created": created,
        "staff_password": DEMO_PASSWORD,
    }


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
