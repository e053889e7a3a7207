"""Write-off and recovery: the postings, the memo claim, and a hand-worked example to the fen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from db.models import JournalEntry, Loan, Repayment
from domain.errors import DomainError, ErrorCode, Forbidden, InvalidInput, InvalidState
from domain.loanbook.accounts import Account
from domain.loanbook.changes import approve_change, request_reversal, request_write_off
from domain.loanbook.check import check_ledger
from domain.loanbook.ledger import loan_balances
from domain.loanbook.writeoff import book_date, record_recovery
from tests.domain.loanbook.book_world import Book, book_interest, make_book

A = Account
MAR_1 = date(2026, 3, 1)


@pytest.fixture
async def book(db: str) -> Book:
    return await make_book()


async def _write_off(book: Book, loan: Loan, on: date = MAR_1) -> Loan:
    change = await request_write_off(principal=book.officer, loan_id=loan.id, reason="bankrupt")
    await approve_change(principal=book.risk, change_id=change.id, comment="ok", business_date=on)
    return await Loan.get(id=loan.id)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


async def test_a_write_off_clears_the_balance_sheet_and_keeps_the_claim(book: Book) -> None:
    """12,000.00 principal, 100.00 interest and 7.50 penalty owed, nothing provisioned: the
    allowance is topped up by 12,000.00, then principal, interest and penalty are written off
    and 12,107.50 is kept as a memo claim."""
    loan = await book.loan()
    await book_interest(loan, "100.00", on=date(2026, 2, 20), penalty="7.50")
    after = await _write_off(book, loan)
    assert (after.status, after.classification, after.classification_reason) == (
        "WRITTEN_OFF", "LOSS", "written off")  # fmt: skip
    assert after.outstanding == 0 and after.principal_outstanding == 0
    assert after.written_off_outstanding == Decimal("12107.50")
    assert after.written_off_at is not None
    ledger = (await loan_balances([loan.id]))[loan.id]
    assert ledger[A.LOAN_LOSS_ALLOWANCE] == 0
    assert ledger[A.PROVISION_EXPENSE] == Decimal("12000.00")
    assert ledger[A.INTEREST_INCOME] == 0 and ledger[A.PENALTY_INCOME] == 0
    assert ledger[A.WRITTEN_OFF_CLAIMS] == ledger[A.WRITTEN_OFF_CONTRA] == Decimal("12107.50")
    kinds = await JournalEntry.filter(loan_id=loan.id).order_by("id").values_list("kind", flat=True)
    assert kinds == ["DISBURSEMENT", "ACCRUAL", "PROVISION", "WRITE_OFF"]
    assert (await check_ledger()).ok


async def test_recoveries_reduce_the_claim_and_never_exceed_it(book: Book) -> None:
    loan = await book.loan("1000.00")
    await _write_off(book, loan)
    with pytest.raises(InvalidInput, match="by 0.01"):
        await record_recovery(principal=book.feed, loan_id=loan.id, amount="1000.01",
                              received_at=_at(MAR_1))  # fmt: skip
    first = await record_recovery(principal=book.feed, loan_id=loan.id, amount="400.00",
                                  received_at=_at(MAR_1), business_date=MAR_1)  # fmt: skip
    assert (first.kind, first.allocation) == ("RECOVERY", {"recovery": "400.00"})
    await record_recovery(principal=book.officer, loan_id=loan.id, amount="600.00",
                          received_at=_at(MAR_1))  # fmt: skip
    after = await Loan.get(id=loan.id)
    assert after.written_off_outstanding == 0 and after.status == "WRITTEN_OFF"
    ledger = (await loan_balances([loan.id]))[loan.id]
    assert ledger[A.RECOVERY_INCOME] == Decimal("1000.00")
    assert (await check_ledger()).ok


async def test_recoveries_only_on_written_off_loans_by_money_staff(book: Book) -> None:
    loan = await book.loan("1000.00")
    with pytest.raises(InvalidState):
        await record_recovery(principal=book.feed, loan_id=loan.id, amount="1.00",
                              received_at=_at(MAR_1))  # fmt: skip
    await _write_off(book, loan)
    for who in (book.admin, book.applicant):
        with pytest.raises(Forbidden):
            await record_recovery(principal=who, loan_id=loan.id, amount="1.00",
                                  received_at=_at(MAR_1))  # fmt: skip
    with pytest.raises(DomainError) as err:
        await record_recovery(
            principal=book.feed, loan_id=loan.id, amount="1.00", received_at=datetime(2026, 3, 1)
        )  # noqa: DTZ001
    assert err.value.code is ErrorCode.INVALID_INPUT
    assert await Repayment.all().count() == 0


async def test_a_bounced_recovery_is_reversed_by_maker_checker(book: Book) -> None:
    loan = await book.loan("1000.00")
    await _write_off(book, loan)
    recovery = await record_recovery(principal=book.feed, loan_id=loan.id, amount="250.00",
                                     received_at=_at(MAR_1))  # fmt: skip
    change = await request_reversal(principal=book.officer, repayment_id=recovery.id,
                                    reason="transfer bounced")  # fmt: skip
    await approve_change(principal=book.risk, change_id=change.id, comment="ok")
    after = await Loan.get(id=loan.id)
    assert after.written_off_outstanding == Decimal("1000.00")
    assert (await Repayment.get(id=recovery.id)).reversed_at is not None
    with pytest.raises(InvalidState):
        await request_reversal(principal=book.officer, repayment_id=recovery.id, reason="again")
    assert (await check_ledger()).ok


def test_changes_are_booked_on_the_first_day_the_batch_has_not_closed() -> None:
    assert book_date(Loan(closed_through=date(2027, 5, 31))) == date(2027, 6, 1)
    assert book_date(Loan(closed_through=date(2026, 1, 1)), today=date(2026, 12, 1)) == date(
        2026, 1, 2
    )
    assert book_date(Loan(closed_through=None), today=date(2026, 12, 1)) == date(2026, 12, 1)


async def _restructured_after_falling_behind(book: Book) -> Loan:
    """The first half of the example below: overdue, restructured, closed through 20 February."""
    from domain.loanbook.changes import request_restructure
    from domain.loanbook.eod import close_through

    loan = await book.loan()
    await close_through(date(2026, 2, 10))
    before = await Loan.get(id=loan.id)
    assert (before.interest_outstanding, before.penalty_outstanding) == (
        Decimal("88.00"), Decimal("10.98"))  # fmt: skip
    assert (before.status, before.days_past_due, before.classification) == (
        "OVERDUE", 10, "SPECIAL_MENTION")  # fmt: skip
    assert (await loan_balances([loan.id]))[loan.id][A.LOAN_LOSS_ALLOWANCE] == Decimal("240.00")
    change = await request_restructure(principal=book.officer, loan_id=loan.id, extra_months=2,
                                       new_term_months=None, annual_rate=None, reason="cash flow")  # fmt: skip
    await approve_change(principal=book.risk, change_id=change.id, comment="ok")
    held = (await loan_balances([loan.id]))[loan.id]
    assert held[A.LOAN_LOSS_ALLOWANCE] == Decimal("3000.00")
    await close_through(date(2026, 2, 20))
    mid = await Loan.get(id=loan.id)
    assert (mid.status, mid.days_past_due, mid.classification) == ("RESTRUCTURED", 0, "SUBSTANDARD")
    assert (mid.interest_outstanding, mid.penalty_outstanding) == (
        Decimal("112.00"), Decimal("10.98"))  # fmt: skip
    return mid


async def test_hand_worked_restructure_then_write_off_then_recovery(book: Book) -> None:
    """12,000.00 at 7.2 % a year (0.02 % a day; penalty rate 10.8 %, 0.03 % a day), 3 months
    equal principal from 1 January 2026: 4,000.00 + 72.00 due 1 February, then 4,000.00 +
    48.00 on 1 March and 4,000.00 + 24.00 on 1 April. Nothing is ever paid.

    Closed through 10 February: January accrues 12,000 x 0.0002 = 2.40 a day; after 30 days the
    72.00 is recognised, 31 January posts the remainder 0.00. 1-10 February accrue on the
    8,000.00 not yet due: 1.60 x 10 = 16.00. Interest receivable 88.00. Penalty on 2-10
    February (9 days): 4,000.00 x 0.0003 = 1.20 plus compound 72.00 x 0.0003 = 0.0216 -> 0.02,
    1.22 x 9 = 10.98. 10 days past due: special mention, allowance 2 % = 240.00.

    Restructured on 11 February, extended by 2 months (2 installments still to fall due, so 4):
    3,000.00 a month from 11 March, interest 72.00 + 88.00 carried = 160.00 (88.00 accrued),
    54.00, 36.00, 18.00. Substandard: allowance 25 % = 3,000.00 (charge 2,760.00).
    Closed 11-20 February: 12,000 x 0.0002 = 2.40 x 10 = 24.00 more interest; nothing overdue.

    Written off on 21 February: allowance topped up by 9,000.00 to 12,000.00; written off
    12,000.00 + 112.00 + 10.98 = 12,122.98, kept in memo. Recovered 5,000.00 on 25 February:
    claim left 7,122.98; 7,122.99 is refused."""
    from domain.loanbook.eod import close_through

    loan = await _restructured_after_falling_behind(book)
    change = await request_write_off(principal=book.officer, loan_id=loan.id, reason="bankrupt")
    done = await approve_change(principal=book.risk2, change_id=change.id, comment="ok")
    assert done.result["business_date"] == "2026-02-21"
    assert (done.result["total"], done.result["interest"]) == ("12122.98", "112.00")
    entries = JournalEntry.filter(loan_id=loan.id, kind="PROVISION").order_by("-id")
    assert (await loan_balances([loan.id]))[loan.id][A.PROVISION_EXPENSE] == Decimal("12000.00")
    assert await entries.count() >= 3
    with pytest.raises(InvalidInput):
        await record_recovery(principal=book.feed, loan_id=loan.id, amount="12122.99",
                              received_at=_at(date(2026, 2, 25)))  # fmt: skip
    await record_recovery(principal=book.feed, loan_id=loan.id, amount="5000.00",
                          received_at=_at(date(2026, 2, 25)), business_date=date(2026, 2, 25))  # fmt: skip
    with pytest.raises(InvalidInput, match="by 0.01"):
        await record_recovery(principal=book.feed, loan_id=loan.id, amount="7122.99",
                              received_at=_at(date(2026, 2, 25)))  # fmt: skip
    end = await Loan.get(id=loan.id)
    assert (end.outstanding, end.written_off_outstanding) == (0, Decimal("7122.98"))
    ledger = (await loan_balances([loan.id]))[loan.id]
    assert ledger[A.INTEREST_INCOME] == 0 and ledger[A.PENALTY_INCOME] == 0
    assert ledger[A.RECOVERY_INCOME] == Decimal("5000.00")
    assert ledger[A.SETTLEMENT] == Decimal("-7000.00")  # 12,000 out, 5,000 back
    await close_through(date(2026, 3, 5))  # a written-off loan is no longer serviced
    assert (await Loan.get(id=loan.id)).written_off_outstanding == Decimal("7122.98")
    assert (await check_ledger()).ok
