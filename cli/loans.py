"""`ipcredit loans classify`: days past due, five tiers, overdue events."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from cli.common import Subparsers, fail, note, run_with_db
from domain.errors import DomainError


def cmd_classify(args: argparse.Namespace) -> int:
    """Classify every active loan as of a date and raise overdue events; print a summary."""
    from domain.lending.arrears import classify_loans

    as_of = date.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC).date()
    note(f"classifying active loans as of {as_of}")

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
        summary = run_with_db(work)
    except DomainError as exc:
        return fail(f"error: {exc.message}")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    print(
        f"{summary['loans']} loans: {summary['classification']}, {summary['changed']} changed, "
        f"{summary['events']} overdue events raised",
        file=sys.stderr,
    )
    return 0


def register(sub: Subparsers) -> None:
    """Add the `loans` group."""
    loans = sub.add_parser("loans", help="loan servicing")
    loans_sub = loans.add_subparsers(dest="loans_command", required=True, metavar="ACTION")
    classify = loans_sub.add_parser(
        "classify", help="days past due, five-tier classification and overdue events"
    )
    classify.add_argument("--as-of", help="date (YYYY-MM-DD); default today (UTC)")
    classify.add_argument("--json", action="store_true")
    classify.set_defaults(func=cmd_classify)
