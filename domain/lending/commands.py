"""Command line: `ipcredit loans classify` (days past due, five tiers, overdue events) and
`ipcredit products seed`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from domain.errors import DomainError


def _with_db(work: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    from config import settings
    from db.connection import close_db, init_db

    async def go() -> dict[str, Any]:
        await init_db(settings().database_url)
        try:
            return await work()
        finally:
            await close_db()

    return asyncio.run(go())


def cmd_classify(args: argparse.Namespace) -> int:
    """Classify every active loan as of a date and raise overdue events; print a summary."""
    from domain.lending.arrears import classify_loans

    as_of = date.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC).date()
    print(f"classifying active loans as of {as_of}", file=sys.stderr)

    async def work() -> dict[str, Any]:
        results = await classify_loans(as_of=as_of)
        return {
            "as_of": as_of.isoformat(),
            "loans": len(results),
            "classification": dict(Counter(r.classification.value for r in results)),
            "changed": sum(r.previous != r.classification.value for r in results),
            "events": sum(len(r.new_events) for r in results),
        }

    try:
        summary = _with_db(work)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    print(
        f"{summary['loans']} loans: {summary['classification']}, {summary['changed']} changed, "
        f"{summary['events']} overdue events raised",
        file=sys.stderr,
    )
    return 0


def cmd_seed_products(args: argparse.Namespace) -> int:
    """Create or update the loan products from the catalogue."""
    from domain.products.service import seed_products

    async def work() -> dict[str, Any]:
        return {"products": [p.code for p in await seed_products()]}

    summary = _with_db(work)
    if args.json:
        print(json.dumps(summary))
    print(f"{len(summary['products'])} products seeded", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `loans` and `products` groups."""
    loans = sub.add_parser("loans", help="loan servicing")
    loans_sub = loans.add_subparsers(dest="loans_command", required=True, metavar="ACTION")
    classify = loans_sub.add_parser(
        "classify", help="days past due, five-tier classification and overdue events"
    )
    classify.add_argument("--as-of", help="date (YYYY-MM-DD); default today (UTC)")
    classify.add_argument("--json", action="store_true")
    classify.set_defaults(func=cmd_classify)
    products = sub.add_parser("products", help="the loan product catalogue")
    products_sub = products.add_subparsers(dest="products_command", required=True, metavar="ACTION")
    seed = products_sub.add_parser("seed", help="create or update the catalogue products")
    seed.add_argument("--json", action="store_true")
    seed.set_defaults(func=cmd_seed_products)
