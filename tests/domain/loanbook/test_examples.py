"""Hand-worked examples, to the fen, through the end-of-day batch and the money functions.

The loan in both: 12,000.00 at 3.6 % a year in three equal installments, lent on 1 January 2026
(penalty surcharge +50 %):

    1  due 2026-02-01  principal 3,988.02  interest 36.00
    2  due 2026-03-01  principal 3,999.98  interest 24.04
    3  due 2026-04-01  principal 4,012.00  interest 12.04

Daily rate 0.036 / 360 = 0.0001; penalty rate 0.036 * 1.5 = 0.054, daily 0.054 / 360 = 0.00015.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from db.models import Installment, Loan
from domain.loanbook.accounts import LOAN_BALANCES
from domain.loanbook.eod import close_through
from domain.loanbook.ledger import loan_balances
from domain.loanbook.prepayment import prepay
from domain.loanbook.repayments import record_repayment
from tests.domain.lending.repayment_fixtures import LoanWorld, make_loan_world

D = Decimal


@pytest.fixture
async def world(db: str) -> LoanWorld:
    return await make_loan_world(amount="12000.00", term=3, start=date(2026, 1, 1), rate="0.036")


async def _pay(world: LoanWorld, amount: str, day: date) -> None:
    await record_repayment(
        principal=world.officer, loan_id=world.loan.id, amount=amount,
        received_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC), business_date=day,
    )  # fmt: skip


async def _loan(loan_id: int) -> Loan:
    loan = await Loan.get(id=loan_id)
    ledger = (await loan_balances([loan_id]))[loan_id]
    for account, field in LOAN_BALANCES.items():
        assert getattr(loan, field) == ledger.get(account, D("0.00")), field
    return loan


async def test_a_loan_45_days_late_with_two_partial_payments(world: LoanWorld) -> None:
    """Installment 1 (due 1 Feb) is not paid on time; 500.00 comes on 15 Feb and 1,000.00 on
    10 Mar; the batch runs every day through 17 Mar, when installment 1 is 45 days past due
    ((17 Mar - 1 Feb) + 1 = 44 + 1).

    Interest: installment 1 accrues 12,000.00 * 0.0001 = 1.20 a day, 1-30 Jan = 36.00;
    installment 2 on 8,011.98 not yet due, 0.80 a day, 1-27 Feb = 21.60, 28 Feb the remainder
    24.04 - 21.60 = 2.44; installment 3 on 4,012.00, 0.40 a day, 1-17 Mar = 17 days = 6.80.

    Penalty (from the day after a due date, on what was unpaid before that day):
      2-14 Feb, 13 days: 3,988.02 * 0.00015 = 0.598 -> 0.60, plus 36.00 * 0.00015 = 0.0054
        -> 0.01: 0.61 a day = 7.93.
      15 Feb pays 500.00: penalty 7.93, interest 36.00, principal 500 - 7.93 - 36 = 456.07;
        installment 1 keeps 3,988.02 - 456.07 = 3,531.95.
      15 Feb - 1 Mar, 15 days: 3,531.95 * 0.00015 = 0.5298 -> 0.53 a day = 7.95.
      2-9 Mar, 8 days: (3,531.95 + 3,999.98) * 0.00015 = 1.1298 -> 1.13, plus 24.04 * 0.00015
        = 0.0036 -> 0.00: 1.13 a day = 9.04.
      10 Mar pays 1,000.00: penalty 7.95 + 9.04 = 16.99, interest 24.04 (installment 2),
        principal 1,000 - 16.99 - 24.04 = 958.97 to installment 1: it keeps 2,572.98.
      10-17 Mar, 8 days: (2,572.98 + 3,999.98) * 0.00015 = 0.9859 -> 0.99 a day = 7.92.

    On 17 Mar: principal 12,000 - 456.07 - 958.97 = 10,584.96; interest 6.80 (installment 3's
    accrual); penalty 7.92; total owed 10,584.96 + 6.80 + 7.92 = 10,599.68.
    """
    await close_through(date(2026, 2, 14))
    loan = await _loan(world.loan.id)
    assert loan.status == "OVERDUE" and loan.days_past_due == 14
    assert loan.penalty_outstanding == D("7.93")
    await _pay(world, "500.00", date(2026, 2, 15))
    await close_through(date(2026, 3, 9))
    assert (await _loan(world.loan.id)).penalty_outstanding == D("16.99")
    await _pay(world, "1000.00", date(2026, 3, 10))
    await close_through(date(2026, 3, 17))

    loan = await _loan(world.loan.id)
    assert loan.days_past_due == 45 and loan.status == "OVERDUE"
    assert loan.classification == "SPECIAL_MENTION"
    assert loan.principal_outstanding == D("10584.96")
    assert loan.interest_outstanding == D("6.80")
    assert loan.penalty_outstanding == D("7.92")
    assert loan.outstanding == D("10599.68")
    rows = await Installment.filter(loan_id=loan.id).order_by("number")
    assert [(r.paid_interest, r.paid_principal) for r in rows] == [
        (D("36.00"), D("1415.04")), (D("24.04"), D("0.00")), (D("0.00"), D("0.00"))
    ]  # fmt: skip


async def test_a_partial_prepayment_that_shortens_the_term(world: LoanWorld) -> None:
    """On 21 Jan (the batch closed through 20 Jan: 20 days * 1.20 = 24.00 accrued) 6,024.00 pays
    interest to date 24.00 and principal 6,000.00. SHORTEN_TERM keeps the installment
    4,024.02 (3,988.02 + 36.00) on the remaining 6,000.00:
        2  due 02-01: interest 21 Jan -> 1 Feb, 11 days, 6,000 * 0.036 * 11 / 360 = 6.60;
           principal 4,024.02 - 6.60 = 4,017.42; left 6,000 - 4,017.42 = 1,982.58
        3  due 03-01: interest 1,982.58 * 0.003 = 5.9477 -> 5.95; principal 1,982.58 (the last)
    Three installments become two. The batch then accrues installment 2 on 6,000.00, 0.60 a
    day, 21-30 Jan = 6.00, and 31 Jan the remainder 0.60: 6.60, its scheduled interest. Paying
    4,024.02 on 1 Feb and 1,988.53 (1,982.58 + 5.95) on 1 Mar closes the loan.
    """
    await close_through(date(2026, 1, 20))
    result = await prepay(
        principal=world.applicant, loan_id=world.loan.id, amount="6024.00",
        mode="SHORTEN_TERM", received_at=datetime(2026, 1, 21, 10, tzinfo=UTC),
    )  # fmt: skip
    assert result.quote.interest_to_date == D("24.00")
    assert result.allocation.current_interest == D("24.00")
    assert result.allocation.current_principal == D("6000.00")
    rows = await Installment.filter(loan_id=world.loan.id, version=2).order_by("number")
    assert [(r.number, r.due_on, r.principal, r.interest) for r in rows] == [
        (1, date(2026, 1, 21), D("6000.00"), D("24.00")),
        (2, date(2026, 2, 1), D("4017.42"), D("6.60")),
        (3, date(2026, 3, 1), D("1982.58"), D("5.95")),
    ]
    await close_through(date(2026, 1, 31))
    loan = await _loan(world.loan.id)
    assert loan.interest_outstanding == D("6.60")
    await _pay(world, "4024.02", date(2026, 2, 1))
    await close_through(date(2026, 2, 28))
    await _pay(world, "1988.53", date(2026, 3, 1))
    loan = await _loan(world.loan.id)
    assert loan.status == "CLOSED" and loan.outstanding == 0
