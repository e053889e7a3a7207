"""`ipcredit loans close-day` (the end-of-day batch) and `ipcredit loans classify`."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cli.common import Subparsers, fail, note, run_with_db
from config import settings
from domain.errors import DomainError


def _date(raw: str | None, *, default: date) -> date | None:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def cmd_close_day(args: argparse.Namespace) -> int:
    """Run the end-of-day batch through a business date, catching up missed days in order."""
    from domain.loanbook.eod import close_through

    today = datetime.now(UTC).date()
    day = _date(args.date, default=today - timedelta(days=1))
    if day is None:
        return fail(f"error: --date must be YYYY-MM-DD, not {args.date!r}")
    if settings().production and day >= today:
        return fail(f"error: business day {day} has not ended yet (today is {today} UTC)")
    note(f"closing business days through {day}")

    async def work() -> dict[str, Any]:
        report = await close_through(day)
        return {"business_date": day.isoformat(), **report.as_dict()}

    try:
        summary = run_with_db(work)
    except DomainError as exc:
        return fail(f"error: {exc.message}")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    print(
        f"closed through {day}: {summary['loan_days']} loan-days, {summary['accruals']} "
        f"accruals, {summary['penalties']} penalties, {summary['provisions']} provisions, "
        f"{summary['moved']} status moves, {summary['reclassified']} reclassified, "
        f"{summary['events']} overdue events",
        file=sys.stderr,
    )
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    """Close every business day before a date (the batch) and summarise the classification."""
    from domain.loanbook.classification import classify_loans

    today = datetime.now(UTC).date()
    as_of = _date(args.as_of, default=today)
    if as_of is None:
        return fail(f"error: --as-of must be YYYY-MM-DD, not {args.as_of!r}")
    if settings().production and as_of > today:
        return fail(f"error: {as_of} is in the future (today is {today} UTC)")
    note(f"classifying serviced loans as of {as_of}")

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
    close = loans_sub.add_parser(
        "close-day",
        help="end-of-day batch: accrual, penalty, days past due, status, classification, "
        "provisions, overdue events (catches up missed days in order)",
    )
    close.add_argument(
        "--date",
        help="the last business date to close (YYYY-MM-DD); default yesterday (UTC). "
        "Production refuses a day that has not ended; development may simulate any date",
    )
    close.add_argument("--json", action="store_true")
    close.set_defaults(func=cmd_close_day)
    classify = loans_sub.add_parser(
        "classify", help="close every business day before a date and summarise the tiers"
    )
    classify.add_argument("--as-of", help="date (YYYY-MM-DD); default today (UTC)")
    classify.add_argument("--json", action="store_true")
    classify.set_defaults(func=cmd_classify)
