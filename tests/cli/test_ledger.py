"""`ipcredit ledger check` on a file database: exit 0 when sound, 1 naming the loan otherwise."""

from __future__ import annotations

import argparse
import asyncio
import json
from decimal import Decimal

import pytest

from cli import ledger


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ipcredit")
    ledger.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def _seed(url: str, *, damage: bool) -> int:
    """One loan on the books (optionally with a cached balance off its ledger); its id."""
    from db.connection import close_db, init_db
    from db.models import Loan
    from tests.domain.loanbook.book_world import make_book

    async def go() -> int:
        await init_db(url)
        try:
            book = await make_book()
            loan = await book.loan()
            if damage:
                await Loan.filter(id=loan.id).update(principal_outstanding=Decimal("11999.99"))
            return loan.id
        finally:
            await close_db()

    return asyncio.run(go())


def test_a_sound_ledger_exits_0(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(cli_db, damage=False)
    assert _run(["ledger", "check", "--json"]) == 0
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert report["ok"] is True and report["entries"] == 1 and report["debits"] == "12000.00"
    assert "ledger balanced" in out.err


def test_a_broken_loan_exits_1_and_is_named(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    loan_id = _seed(cli_db, damage=True)
    assert _run(["ledger", "check"]) == 1
    err = capsys.readouterr().err
    assert f"loan {loan_id}: principal_outstanding is 11999.99 but account " \
           "1303_LOAN_PRINCIPAL holds 12000.00" in err  # fmt: skip
