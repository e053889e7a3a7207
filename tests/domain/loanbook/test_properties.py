"""For any sequence of business days, repayments, prepayments and reversals on a loan: every
entry balances, the loan's balances equal its ledger, nothing goes negative, installments agree
with the balances, and every payment's allocation sums to the money applied."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise.transactions import in_transaction

from db.models import Installment, JournalLine, Loan, LoanProduct, Repayment
from domain.errors import DomainError, ErrorCode
from domain.loanbook.accounts import LOAN_BALANCES
from domain.loanbook.allocation import Allocation
from domain.loanbook.eod import close_through
from domain.loanbook.ledger import loan_balances
from domain.loanbook.prepayment import prepay
from domain.loanbook.repayments import record_repayment, reverse_repayment_now
from tests.conftest import _database, database_url
from tests.domain.lending.repayment_fixtures import LoanWorld, make_loan_world

D = Decimal
ZERO = D("0.00")
LENT = date(2026, 1, 1)

ACTIONS = st.one_of(
    st.tuples(st.just("days"), st.integers(1, 25)),
    st.tuples(st.just("pay"), st.integers(1, 600_000)),
    st.tuples(st.just("prepay"), st.integers(0, 800_000), st.sampled_from(["SHORTEN_TERM",
                                                                           "LOWER_INSTALLMENT"])),
    st.tuples(st.just("reverse")),
)  # fmt: skip


async def _step(world: LoanWorld, action: tuple[Any, ...], today: date) -> date:
    """Apply one action on business date `today`; returns the next business date."""
    at = datetime.combine(today, time(10), UTC)
    loan_id = world.loan.id
    try:
        if action[0] == "days":
            last = today + timedelta(days=action[1] - 1)
            await close_through(last)
            return last + timedelta(days=1)
        if action[0] == "pay":
            await record_repayment(principal=world.feed, loan_id=loan_id,
                                   amount=D(action[1]) / 100,
                                   received_at=at, business_date=today)  # fmt: skip
        elif action[0] == "prepay":
            wanted = None if action[1] == 0 else D(action[1]) / 100
            await prepay(principal=world.officer, loan_id=loan_id, amount=wanted, mode=action[2],
                         received_at=at, business_date=today)  # fmt: skip
        else:
            paid = await Repayment.filter(loan_id=loan_id, kind="REPAYMENT",
                                          reversed_at__isnull=True).order_by("-id").first()  # fmt: skip
            if paid is not None:
                async with in_transaction() as conn:
                    await reverse_repayment_now(
                        repayment_id=paid.id, actor="user:risk@bank.example", reason="bounced",
                        conn=conn,
                    )  # fmt: skip
    except DomainError as exc:
        # refused (too much, too little, a closed loan, nothing to reverse): nothing written
        if exc.code not in (ErrorCode.INVALID_INPUT, ErrorCode.INVALID_STATE):
            raise
    return today


async def _check(loan_id: int) -> None:
    lines = await JournalLine.all().values_list("entry_id", "debit", "credit")
    per_entry: dict[int, Decimal] = {}
    for entry_id, debit, credit in lines:
        per_entry[entry_id] = per_entry.get(entry_id, ZERO) + debit - credit
    assert all(v == 0 for v in per_entry.values()), per_entry
    loan = await Loan.get(id=loan_id)
    ledger = (await loan_balances([loan_id]))[loan_id]
    for account, field in LOAN_BALANCES.items():
        assert getattr(loan, field) == ledger.get(account, ZERO), field
        assert getattr(loan, field) >= 0, field
    rows = await Installment.filter(loan_id=loan_id, version=loan.schedule_version)
    for r in rows:
        assert ZERO <= r.paid_principal <= r.principal
        assert ZERO <= r.paid_interest <= r.accrued_interest <= r.interest
    assert loan.principal_outstanding == sum((r.principal - r.paid_principal for r in rows), ZERO)
    assert loan.interest_outstanding == sum(
        (r.accrued_interest - r.paid_interest for r in rows), ZERO
    )
    for repayment in await Repayment.filter(loan_id=loan_id):
        assert Allocation.from_json(repayment.allocation).total == repayment.amount


async def _scenario(actions: list[tuple[Any, ...]], credit: bool) -> None:
    async with _database(database_url()):
        world = await make_loan_world(amount="12000.00", term=3, start=LENT, rate="0.036")
        if credit:
            await LoanProduct.filter(code="TECH_CREDIT").update(servicing={"overpayment": "CREDIT"})
        today = LENT
        for action in actions:
            today = await _step(world, action, today)
            await _check(world.loan.id)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=12), credit=st.booleans())
async def test_any_sequence_keeps_the_books_straight(
    actions: list[tuple[Any, ...]], credit: bool
) -> None:
    await _scenario(actions, credit)
