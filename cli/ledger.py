"""`ipcredit ledger check`: the loan book's double entry proven (exit 1 naming what is wrong)."""

from __future__ import annotations

import argparse
import json

from cli.common import Subparsers, note, run_with_db


def cmd_ledger_check(args: argparse.Namespace) -> int:
    """Check every entry balances, debits equal credits, and every loan's balances equal its
    ledger; exit 1 and name each loan, entry or account that does not."""
    from domain.loanbook.check import check_ledger

    async def go() -> int:
        report = await check_ledger()
        if args.json:
            print(json.dumps(report.as_json(), ensure_ascii=False))
        if report.ok:
            note(f"ledger balanced: {report.entries} entries, {report.lines} lines, debits = "
                 f"credits = {report.debits}, {report.loans} loans agree with their ledger")  # fmt: skip
            return 0
        note(f"ledger check FAILED ({len(report.problems)} problems):")
        for problem in report.problems:
            note(f"  {problem}")
        return 1

    return run_with_db(go)


def register(sub: Subparsers) -> None:
    """Add the `ledger` group."""
    ledger = sub.add_parser("ledger", help="the loan book's general ledger")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    check = ledger_sub.add_parser(
        "check", help="prove debits equal credits and every loan agrees with its ledger"
    )
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_ledger_check)
