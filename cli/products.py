"""`ipcredit products seed`: the loan product catalogue."""

from __future__ import annotations

import argparse
import json

from cli.common import Subparsers, note, run_with_db


def cmd_seed(args: argparse.Namespace) -> int:
    """Create or update the loan products from the catalogue."""
    from domain.products.service import seed_products

    async def work() -> list[str]:
        return [p.code for p in await seed_products()]

    summary = {"products": run_with_db(work)}
    if args.json:
        print(json.dumps(summary))
    note(f"{len(summary['products'])} products seeded")
    return 0


def register(sub: Subparsers) -> None:
    """Add the `products` group."""
    products = sub.add_parser("products", help="the loan product catalogue")
    products_sub = products.add_subparsers(dest="products_command", required=True, metavar="ACTION")
    seed = products_sub.add_parser("seed", help="create or update the catalogue products")
    seed.add_argument("--json", action="store_true")
    seed.set_defaults(func=cmd_seed)
