"""Repayments: allocation in the product's order, overpayment refused or held as credit, the
credit used as things fall due, reversal, and the ledger behind every move.

The loan in these tests: 12,000.00 at 3.6 % a year in three equal installments, lent on
1 January 2026 (schedule.py, monthly rate 0.036 / 12 = 0.003):

    1  due 2026-02-01  principal 3,988.02  interest 36.00  (12,000.00 * 0.003)
    2  due 2026-03-01  principal 3,999.98  interest 24.04  ( 8,011.98 * 0.003 = 24.0359)
    3  due 2026-04-01  principal 4,012.00  interest 12.04  ( 4,012.00 * 0.003 = 12.036)
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from db.models import Installment, JournalEntry, Loan, LoanProduct, Repayment, Role, User
from domain.accounts.principal import Principal
from domain.errors import DomainError, ErrorCode
from domain.loanbook.accounts import LOAN_BALANCES
from domain.loanbook.allocation import Owed, allocate
from domain.loanbook.ledger import loan_balances
from domain.loanbook.repayments import apply_credit, record_repayment, reverse_repayment_now
from domain.loanbook.status import LoanEvent, move
from domain.loanbook.terms import DEFAULT_ORDER, Bucket, Overpayment, terms_from
from tests.domain.lending.repayment_fixtures import LoanWorld, make_loan_world

D = Decimal
LENT = date(2026, 1, 1)
AT = datetime(2026, 1, 20, 10, tzinfo=UTC)


@pytest.fixture
async def world(db: str) -> LoanWorld:
    return await make_loan_world(amount="12000.00", term=3, start=LENT, rate="0.036")


async def _servicing(**terms: object) -> None:
    await LoanProduct.filter(code="TECH_CREDIT").update(servicing=terms)


async def _repay(world: LoanWorld, amount: str, day: date) -> object:
    return await record_repayment(
        principal=world.officer, loan_id=world.loan.id, amount=amount, received_at=AT,
        business_date=day,
    )  # fmt: skip


async def _rows(loan_id: int) -> list[Installment]:
    loan = await Loan.get(id=loan_id)
    return list(
        await Installment.filter(loan_id=loan_id, version=loan.schedule_version).order_by("number")
    )


async def _assert_ledger_matches(loan_id: int) -> Loan:
    """The loan's cached balances equal its ledger balances; every entry balances."""
    loan = await Loan.get(id=loan_id)
    ledger = (await loan_balances([loan_id]))[loan_id]
    for account, field in LOAN_BALANCES.items():
        assert getattr(loan, field) == ledger.get(account, D("0.00")), field
    assert loan.outstanding == (
        loan.principal_outstanding + loan.interest_outstanding + loan.penalty_outstanding
        + loan.fee_outstanding
    )  # fmt: skip
    return loan


def test_default_order_pays_fees_penalty_then_overdue_then_current() -> None:
    """Owed: fees 10.00, penalty 5.00, installment 1 due (36.00 interest, 3,988.02 principal),
    installment 2 current. 100.00 pays fees 10.00, penalty 5.00, overdue interest 36.00 and
    overdue principal 100 - 10 - 5 - 36 = 49.00; nothing reaches installment 2."""
    owed = Owed(
        D("10.00"), D("5.00"), ((1, D("36.00"), D("3988.02")),), (2, D("24.04"), D("3999.98"))
    )
    allocation, parts, left = allocate(owed, D("100.00"), DEFAULT_ORDER)
    assert (allocation.fees, allocation.penalty) == (D("10.00"), D("5.00"))
    assert (allocation.overdue_interest, allocation.overdue_principal) == (D("36.00"), D("49.00"))
    assert allocation.current_interest == allocation.current_principal == 0
    assert [(p.number, p.interest, p.principal) for p in parts] == [(1, D("36.00"), D("49.00"))]
    assert left == 0 and allocation.total == D("100.00")


def test_a_product_order_puts_principal_first() -> None:
    """A product ordering overdue principal first: 100.00 against the same owed is less than
    the 3,988.02 principal due, so all of it goes to principal; fees, penalty, interest get 0."""
    terms = terms_from(
        {"allocation_order": ["overdue_principal", "overdue_interest", "fees", "penalty",
                              "current_interest", "current_principal"]}
    )  # fmt: skip
    owed = Owed(D("10.00"), D("5.00"), ((1, D("36.00"), D("3988.02")),), None)
    allocation, _parts, left = allocate(owed, D("100.00"), terms.allocation_order)
    assert allocation.overdue_principal == D("100.00") and left == 0
    assert allocation.fees == allocation.penalty == allocation.overdue_interest == 0


@pytest.mark.parametrize(
    "servicing",
    [{"allocation_order": ["fees"]}, {"overpayment": "KEEP"}, {"penalty_surcharge": "-1"},
     {"prepayment_fee_rate": "1"}, {"surprise": 1}, {"prepayment_min_days": -3}],
)  # fmt: skip
def test_bad_servicing_terms_are_refused(servicing: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="servicing"):
        terms_from(servicing)


def test_default_terms() -> None:
    terms = terms_from({})
    assert terms.penalty_surcharge == D("0.5") and terms.overpayment is Overpayment.REFUSE
    assert terms.allocation_order[0] is Bucket.FEES and terms.prepayment_fee_rate == 0


async def test_disbursement_is_on_the_ledger(world: LoanWorld) -> None:
    loan = await _assert_ledger_matches(world.loan.id)
    assert loan.principal_outstanding == loan.outstanding == D("12000.00")
    assert await JournalEntry.filter(loan_id=loan.id, kind="DISBURSEMENT").count() == 1
    assert [r.starts_on for r in await _rows(loan.id)] == [
        LENT, date(2026, 2, 1), date(2026, 3, 1)
    ]  # fmt: skip


async def test_an_early_payment_recognises_the_current_interest_then_pays_principal(
    world: LoanWorld,
) -> None:
    """On 20 January nothing is due; installment 1 is current. 1,000.00 pays its interest
    36.00 (first recognised in full: accrual 36.00 - 0.00 accrued) and 1,000 - 36 = 964.00 of
    its principal. Principal left 12,000 - 964 = 11,036.00; interest owed 36 - 36 = 0."""
    result = await _repay(world, "1000.00", date(2026, 1, 20))
    assert result.allocation.current_interest == D("36.00")  # type: ignore[attr-defined]
    assert result.allocation.current_principal == D("964.00")  # type: ignore[attr-defined]
    loan = await _assert_ledger_matches(world.loan.id)
    assert loan.principal_outstanding == loan.outstanding == D("11036.00")
    first = (await _rows(loan.id))[0]
    assert (first.accrued_interest, first.paid_interest, first.paid_principal) == (
        D("36.00"), D("36.00"), D("964.00")
    )  # fmt: skip
    assert await JournalEntry.filter(key=f"accrual-rest:{loan.id}:1:1").count() == 1


async def test_more_than_due_and_current_is_refused_and_writes_nothing(world: LoanWorld) -> None:
    """Payable on 20 January: installment 1 only, 3,988.02 + 36.00 = 4,024.02; one fen more is
    refused, naming the excess 0.01."""
    with pytest.raises(DomainError) as err:
        await _repay(world, "4024.03", date(2026, 1, 20))
    assert err.value.code is ErrorCode.INVALID_INPUT and "0.01" in err.value.message
    assert await Repayment.all().count() == 0
    assert await JournalEntry.exclude(kind="DISBURSEMENT").count() == 0
    await _repay(world, "4024.02", date(2026, 1, 20))
    assert (await _rows(world.loan.id))[0].paid_at is not None


async def test_overpayment_is_held_as_credit_and_used_when_due(world: LoanWorld) -> None:
    """With overpayment CREDIT, 4,100.00 on 20 January pays installment 1 (4,024.02) and keeps
    4,100.00 - 4,024.02 = 75.98 as credit. When installment 2 falls due (1 March) the credit
    pays its interest 24.04 and 75.98 - 24.04 = 51.94 of its principal."""
    await _servicing(overpayment="CREDIT")
    result = await _repay(world, "4100.00", date(2026, 1, 20))
    assert result.allocation.credit == D("75.98")  # type: ignore[attr-defined]
    loan = await _assert_ledger_matches(world.loan.id)
    assert loan.credit_balance == D("75.98")
    async with in_transaction() as conn:
        locked = await Loan.filter(id=loan.id).using_db(conn).select_for_update().get()
        assert await apply_credit(locked, business_date=date(2026, 2, 28), conn=conn) is None
        used = await apply_credit(locked, business_date=date(2026, 3, 1), conn=conn)
    assert used is not None and used.kind == "CREDIT" and used.amount == D("75.98")
    loan = await _assert_ledger_matches(world.loan.id)
    assert loan.credit_balance == 0
    second = (await _rows(loan.id))[1]
    assert (second.paid_interest, second.paid_principal) == (D("24.04"), D("51.94"))
    # principal 12,000 - 3,988.02 - 51.94 = 7,960.04
    assert loan.principal_outstanding == D("7960.04")


async def test_a_reversal_restores_the_installments_and_mirrors_the_entry(
    world: LoanWorld,
) -> None:
    """1,000.00 paid on 20 January, then bounced: principal back to 12,000.00; the interest
    recognised on payment (36.00) stays owed, so outstanding is 12,036.00."""
    result = await _repay(world, "1000.00", date(2026, 1, 20))
    repayment = result.repayment  # type: ignore[attr-defined]
    async with in_transaction() as conn:
        await reverse_repayment_now(
            repayment_id=repayment.id, actor="user:risk@bank.example", reason="bounced",
            conn=conn,
        )  # fmt: skip
    loan = await _assert_ledger_matches(world.loan.id)
    assert loan.principal_outstanding == D("12000.00") and loan.outstanding == D("12036.00")
    first = (await _rows(loan.id))[0]
    assert first.paid_interest == first.paid_principal == 0 and first.paid_at is None
    mirror = await JournalEntry.get(kind="REVERSAL")
    assert mirror.reverses_id == repayment.journal_entry_id
    assert (await Repayment.get(id=repayment.id)).reversed_by == "user:risk@bank.example"
    with pytest.raises(DomainError) as err:
        async with in_transaction() as conn:
            await reverse_repayment_now(
                repayment_id=repayment.id, actor="user:risk@bank.example", reason="again",
                conn=conn,
            )  # fmt: skip
    assert err.value.code is ErrorCode.INVALID_STATE


async def test_paying_the_arrears_brings_an_overdue_loan_back(world: LoanWorld) -> None:
    """Installment 1 (due 1 February) unpaid on 11 February: the loan is OVERDUE. Paying
    its 4,024.02 that day leaves nothing late: the loan catches up, 0 days past due."""
    async with in_transaction() as conn:
        loan = await Loan.filter(id=world.loan.id).using_db(conn).get()
        await move(loan, LoanEvent.FALL_OVERDUE, actor="test", conn=conn)
        await Loan.filter(id=loan.id).using_db(conn).update(days_past_due=10)
    await _repay(world, "1000.00", date(2026, 2, 11))
    assert (await Loan.get(id=world.loan.id)).status == "OVERDUE"
    await _repay(world, "3024.02", date(2026, 2, 11))
    loan = await _assert_ledger_matches(world.loan.id)
    assert loan.status == "ACTIVE" and loan.days_past_due == 0


async def test_paying_every_installment_closes_the_loan(world: LoanWorld) -> None:
    for due, amount in ((date(2026, 2, 1), "4024.02"), (date(2026, 3, 1), "4024.02"),
                        (date(2026, 4, 1), "4024.04")):  # fmt: skip
        await _repay(world, amount, due)
    loan = await _assert_ledger_matches(world.loan.id)
    assert loan.status == "CLOSED" and loan.outstanding == 0
    with pytest.raises(DomainError) as err:
        await _repay(world, "1.00", date(2026, 4, 2))
    assert err.value.code is ErrorCode.INVALID_STATE


@pytest.mark.parametrize("role", [Role.ADMIN, Role.APPLICANT])
async def test_only_money_staff_and_feeds_record_repayments(world: LoanWorld, role: Role) -> None:
    user = await User.create(email=f"{role.value.lower()}@x.example", password_hash="x", role=role)
    who = Principal(user_id=user.id, email=user.email, role=role)
    with pytest.raises(DomainError) as err:
        await record_repayment(principal=who, loan_id=world.loan.id, amount="1.00", received_at=AT)
    assert err.value.code is ErrorCode.FORBIDDEN


async def test_concurrent_repayments_each_land_once(world: LoanWorld) -> None:
    """Five payments of 100.00 at once on 20 January: the loan row lock serialises them; the
    first pays interest 36.00 and principal 64.00, the others 100.00 of principal each, so
    principal falls by 500 - 36 = 464.00 to 11,536.00."""
    await asyncio.gather(*(_repay(world, "100.00", date(2026, 1, 20)) for _ in range(5)))
    loan = await _assert_ledger_matches(world.loan.id)
    assert await Repayment.all().count() == 5
    assert loan.principal_outstanding == loan.outstanding == D("11536.00")
