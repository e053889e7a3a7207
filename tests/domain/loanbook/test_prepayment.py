"""Prepayment: the payoff quote to the actual day, paying off in full, partial prepayment into a
new schedule version, and what is refused.

The loan: 12,000.00 at 3.6 % a year in three equal installments, lent on 1 January 2026:

    1  due 2026-02-01  principal 3,988.02  interest 36.00
    2  due 2026-03-01  principal 3,999.98  interest 24.04
    3  due 2026-04-01  principal 4,012.00  interest 12.04

Daily interest on the principal not yet due: 12,000.00 * 0.036 / 360 = 1.20.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from db.models import Installment, JournalEntry, Loan, LoanProduct, Repayment
from domain.errors import DomainError, ErrorCode
from domain.lending.loans import installments_by_loan_ids
from domain.loanbook.accounts import LOAN_BALANCES
from domain.loanbook.ledger import loan_balances
from domain.loanbook.prepayment import payoff_quote, prepay
from tests.domain.lending.repayment_fixtures import LoanWorld, make_loan_world

D = Decimal
LENT = date(2026, 1, 1)
ON = date(2026, 1, 21)
AT = datetime(2026, 1, 21, 10, tzinfo=UTC)


@pytest.fixture
async def world(db: str) -> LoanWorld:
    return await make_loan_world(amount="12000.00", term=3, start=LENT, rate="0.036")


async def _servicing(**terms: object) -> None:
    await LoanProduct.filter(code="TECH_CREDIT").update(servicing=terms)


async def _version(loan_id: int, version: int) -> list[Installment]:
    return list(await Installment.filter(loan_id=loan_id, version=version).order_by("number"))


async def _ledger_matches(loan_id: int) -> Loan:
    loan = await Loan.get(id=loan_id)
    ledger = (await loan_balances([loan_id]))[loan_id]
    for account, field in LOAN_BALANCES.items():
        assert getattr(loan, field) == ledger.get(account, D("0.00")), field
    return loan


async def test_the_quote_charges_interest_to_the_day_and_the_fee(world: LoanWorld) -> None:
    """On 21 January, with a 1 % prepayment fee: interest over [1 Jan, 21 Jan) = 20 days *
    1.20 = 24.00; fee 12,000.00 * 0.01 = 120.00; total 12,000 + 24 + 120 = 12,144.00."""
    await _servicing(prepayment_fee_rate="0.01")
    quote = await payoff_quote(principal=world.applicant, loan_id=world.loan.id, on=ON)
    assert (quote.principal, quote.interest, quote.penalty, quote.fees) == (
        D("12000.00"), D("24.00"), D("0.00"), D("120.00")
    )  # fmt: skip
    assert quote.total == D("12144.00")
    with pytest.raises(DomainError) as err:
        await payoff_quote(principal=world.other_applicant, loan_id=world.loan.id, on=ON)
    assert err.value.code is ErrorCode.FORBIDDEN


async def test_paying_off_closes_the_loan_with_a_settled_schedule(world: LoanWorld) -> None:
    """The payoff of the quote above: accrual 24.00, fee 120.00, then 12,144.00 received pays
    principal 12,000.00, interest 24.00 and the fee; every balance is 0 and the loan CLOSED.
    Version 2 of the schedule is installment 1 settled on 21 January; version 1 is kept."""
    await _servicing(prepayment_fee_rate="0.01")
    result = await prepay(
        principal=world.officer, loan_id=world.loan.id, amount=None, received_at=AT
    )
    assert result.full and result.repayment.amount == D("12144.00")
    assert result.allocation.current_principal == D("12000.00")
    assert result.allocation.current_interest == D("24.00")
    assert result.allocation.fees == D("120.00")
    loan = await _ledger_matches(world.loan.id)
    assert loan.status == "CLOSED" and loan.outstanding == 0 and loan.schedule_version == 2
    (settled,) = await _version(loan.id, 2)
    assert (settled.starts_on, settled.due_on, settled.principal, settled.interest) == (
        LENT, ON, D("12000.00"), D("24.00")
    )  # fmt: skip
    assert settled.paid_at is not None
    assert len(await _version(loan.id, 1)) == 3
    kinds = await JournalEntry.filter(loan_id=loan.id).order_by("id").values_list("kind", flat=True)
    assert kinds == ["DISBURSEMENT", "ACCRUAL", "FEE", "PREPAYMENT"]


async def test_a_partial_prepayment_lowers_the_installment(world: LoanWorld) -> None:
    """6,024.00 on 21 January: interest to date 24.00, then principal 6,000.00. The remaining
    6,000.00 is spread over the same dates: the first period 21 Jan -> 1 Feb is 11 days,
    6,000 * 0.036 * 11 / 360 = 6.60; the level payment over 3 months at 0.003 is
    6,000 * 0.003 * 1.003^3 / (1.003^3 - 1) = 2,012.0108 -> 2,012.01. So:
        2  due 02-01  principal 2,012.01 - 6.60 = 2,005.41  interest 6.60
        3  due 03-01  interest 3,994.59 * 0.003 = 11.98; principal 2,012.01 - 11.98 = 2,000.03
        4  due 04-01  principal 3,994.59 - 2,000.03 = 1,994.56; interest 1,994.56 * 0.003 = 5.98
    """
    result = await prepay(
        principal=world.applicant, loan_id=world.loan.id, amount="6024.00",
        mode="LOWER_INSTALLMENT", received_at=AT,
    )  # fmt: skip
    assert not result.full and result.schedule_version == 2
    rows = await _version(world.loan.id, 2)
    assert [(r.number, r.starts_on, r.due_on, r.principal, r.interest) for r in rows] == [
        (1, LENT, ON, D("6000.00"), D("24.00")),
        (2, ON, date(2026, 2, 1), D("2005.41"), D("6.60")),
        (3, date(2026, 2, 1), date(2026, 3, 1), D("2000.03"), D("11.98")),
        (4, date(2026, 3, 1), date(2026, 4, 1), D("1994.56"), D("5.98")),
    ]
    loan = await _ledger_matches(world.loan.id)
    assert loan.principal_outstanding == loan.outstanding == D("6000.00")
    assert loan.status == "ACTIVE"
    # the schedule shown is the version in force
    (shown,) = await installments_by_loan_ids(ids=[loan.id])
    assert [r.id for r in shown] == [r.id for r in rows]


async def test_too_little_or_too_much_is_refused_and_writes_nothing(world: LoanWorld) -> None:
    """24.00 only covers the interest to date (nothing left for principal); 12,024.01 is a fen
    over the payoff 12,000.00 + 24.00 (no fee), refused by a REFUSE product."""
    for amount in ("24.00", "12024.01"):
        with pytest.raises(DomainError) as err:
            await prepay(
                principal=world.officer, loan_id=world.loan.id, amount=amount, received_at=AT
            )
        assert err.value.code is ErrorCode.INVALID_INPUT
    with pytest.raises(DomainError) as err:
        await prepay(
            principal=world.officer, loan_id=world.loan.id, amount="100.00", mode="SOMETIME",
            received_at=AT,
        )  # fmt: skip
    assert err.value.code is ErrorCode.INVALID_INPUT
    assert await Repayment.all().count() == 0
    assert await JournalEntry.exclude(kind="DISBURSEMENT").count() == 0


async def test_a_lock_in_and_strangers_are_refused(world: LoanWorld) -> None:
    await _servicing(prepayment_min_days=30)
    with pytest.raises(DomainError) as err:
        await prepay(principal=world.officer, loan_id=world.loan.id, amount=None, received_at=AT)
    assert err.value.code is ErrorCode.INVALID_STATE
    await _servicing()
    for who in (world.other_applicant, world.feed):
        with pytest.raises(DomainError) as err:
            await prepay(principal=who, loan_id=world.loan.id, amount=None, received_at=AT)
        assert err.value.code is ErrorCode.FORBIDDEN
