"""Closing one loan's days, to the fen (12,000.00 at 3.6 % in two halves; see eod_fixtures)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from db.models import Event, JournalEntry, JournalLine, Loan, LoanStatusChange
from domain.loanbook.accrual import close_loan_day
from domain.loanbook.ledger import loan_balances
from tests.domain.loanbook.eod_fixtures import make_loan, schedule

D = Decimal


async def _entries(loan_id: int, kind: str) -> list[Decimal]:
    rows = await JournalEntry.filter(loan_id=loan_id, kind=kind).order_by("business_date")
    amounts = []
    for entry in rows:
        lines = await JournalLine.filter(entry_id=entry.id)
        amounts.append(sum((line.debit for line in lines), D(0)))
    return amounts


async def test_a_performing_period_recognises_its_scheduled_interest_exactly(db: str) -> None:
    """Days 01-15 .. 02-13 (30 days) x 1.20 = 36.00 reaches the scheduled 36.00, so the last
    day (02-14) posts nothing; interest receivable 36.00; nothing past due."""
    loan = await make_loan()
    assert await close_loan_day(loan_id=loan.id, business_date=date(2026, 2, 14)) == 31
    assert await _entries(loan.id, "ACCRUAL") == [D("1.20")] * 30
    first = (await schedule(loan.id))[0]
    assert first.accrued_interest == D("36.00")
    stored = await Loan.get(id=loan.id)
    assert (stored.interest_outstanding, stored.outstanding) == (D("36.00"), D("12036.00"))
    assert (stored.status, stored.days_past_due, stored.classification) == ("ACTIVE", 0, "NORMAL")
    assert stored.closed_through == date(2026, 2, 14)


async def test_an_unpaid_installment_goes_overdue_and_earns_penalty(db: str) -> None:
    """Installment 1 (6,000.00 + 36.00) unpaid at the end of 02-15: 1 day past due, OVERDUE,
    SPECIAL_MENTION, allowance 2 % x 12,000.00 = 240.00, an overdue_payment event.
    Through 02-20: penalty 02-16 .. 02-20 = 5 x (0.90 + 0.01) = 4.55; period 2 accrual
    02-15 .. 02-20 = 6 x (6,000 x 0.036 / 360 = 0.60) = 3.60; interest 36.00 + 3.60 = 39.60;
    6 days past due; total owed 12,000.00 + 39.60 + 4.55 = 12,044.15."""
    loan = await make_loan()
    await close_loan_day(loan_id=loan.id, business_date=date(2026, 2, 15))
    stored = await Loan.get(id=loan.id)
    assert (stored.status, stored.days_past_due, stored.classification) == (
        "OVERDUE", 1, "SPECIAL_MENTION")  # fmt: skip
    assert await _entries(loan.id, "PROVISION") == [D("240.00")]
    assert await Event.filter(event_id=f"overdue:{loan.id}:1:1").exists()
    assert await LoanStatusChange.filter(loan_id=loan.id, to_status="OVERDUE").count() == 1

    await close_loan_day(loan_id=loan.id, business_date=date(2026, 2, 20))
    stored = await Loan.get(id=loan.id)
    assert await _entries(loan.id, "PENALTY") == [D("0.91")] * 5
    assert stored.penalty_outstanding == D("4.55")
    assert stored.interest_outstanding == D("39.60")
    assert stored.outstanding == D("12044.15")
    assert stored.days_past_due == 6
    ledger = (await loan_balances([loan.id]))[loan.id]
    assert ledger["1133_PENALTY_RECEIVABLE"] == D("4.55")  # type: ignore[index]
    assert ledger["1132_INTEREST_RECEIVABLE"] == D("39.60")  # type: ignore[index]


async def test_the_second_period_ends_with_its_remainder(db: str) -> None:
    """Period 2 (02-15 .. 03-14, 28 days) with installment 1 unpaid: 27 x 0.60 = 16.20, and
    on 03-14 the remainder 18.00 - 16.20 = 1.80."""
    loan = await make_loan()
    await close_loan_day(loan_id=loan.id, business_date=date(2026, 3, 14))
    rows = await JournalEntry.filter(
        loan_id=loan.id, kind="ACCRUAL", business_date=date(2026, 3, 14)
    )
    lines = await JournalLine.filter(entry_id=rows[0].id)
    assert sum(line.debit for line in lines) == D("1.80")
    second = (await schedule(loan.id))[1]
    assert second.accrued_interest == D("18.00")
    assert (await Loan.get(id=loan.id)).interest_outstanding == D("54.00")
