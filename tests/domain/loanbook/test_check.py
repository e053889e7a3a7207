"""`check_ledger`: a sound ledger passes; each kind of damage is named by loan, entry or account."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from db.models import JournalEntry, JournalLine, Loan
from domain.loanbook.check import check_ledger
from tests.domain.loanbook.book_world import Book, book_interest, make_book


@pytest.fixture
async def book(db: str) -> Book:
    return await make_book()


async def test_an_empty_ledger_is_sound(db: str) -> None:
    report = await check_ledger()
    assert report.ok and report.entries == 0 and report.problems == []


async def test_a_sound_ledger_passes(book: Book) -> None:
    loan = await book.loan()
    await book.loan("500.00")
    await book_interest(loan, "12.34", on=date(2026, 1, 20), penalty="0.56")
    report = await check_ledger()
    assert report.ok, report.problems
    assert (report.entries, report.lines, report.loans) == (3, 8, 2)
    assert report.debits == report.credits == Decimal("12512.90")
    assert report.as_json()["debits"] == "12512.90"


async def test_a_cached_balance_that_disagrees_names_the_loan_and_account(book: Book) -> None:
    loan = await book.loan()
    await Loan.filter(id=loan.id).update(interest_outstanding=Decimal("1.00"),
                                         outstanding=Decimal("12001.00"))  # fmt: skip
    report = await check_ledger()
    assert not report.ok
    assert report.problems == [
        f"loan {loan.id}: interest_outstanding is 1.00 but account 1132_INTEREST_RECEIVABLE "
        "holds 0.00"
    ]


async def test_an_outstanding_that_is_not_the_sum_of_its_parts(book: Book) -> None:
    loan = await book.loan()
    await Loan.filter(id=loan.id).update(outstanding=Decimal("1.00"))
    report = await check_ledger()
    assert report.problems == [f"loan {loan.id}: outstanding is 1.00 but principal + interest + "
                               "penalty + fees is 12000.00"]  # fmt: skip


async def test_an_unbalanced_entry_is_named(book: Book) -> None:
    loan = await book.loan()
    entry = await JournalEntry.create(loan_id=loan.id, kind="FEE", business_date=date(2026, 1, 2),
                                      posted_at=datetime.now(UTC), actor="someone")  # fmt: skip
    await JournalLine.create(entry_id=entry.id, loan_id=loan.id, account="1002_SETTLEMENT",
                             debit=Decimal("5.00"), credit=Decimal("0"))  # fmt: skip
    report = await check_ledger()
    assert f"entry {entry.id} does not balance: debits 5.00 != credits 0.00" in report.problems
    assert "the ledger does not balance: debits 12005.00 != credits 12000.00" in report.problems


async def test_a_loan_line_in_a_foreign_entry_and_an_empty_entry(book: Book) -> None:
    first, second = await book.loan(), await book.loan("100.00")
    line = await JournalLine.filter(loan_id=first.id, account="1002_SETTLEMENT").first()
    assert line is not None
    await JournalLine.filter(id=line.id).update(loan_id=second.id)
    empty = await JournalEntry.create(kind="FEE", business_date=date(2026, 1, 2),
                                      posted_at=datetime.now(UTC), actor="someone")  # fmt: skip
    report = await check_ledger()
    assert f"entry {line.entry_id}: a line of loan {second.id} in an entry of loan {first.id}" in (  # type: ignore[attr-defined]
        report.problems
    )
    assert f"entry {empty.id} has no lines" in report.problems
