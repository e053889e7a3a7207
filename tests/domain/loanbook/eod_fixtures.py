"""Loans written straight to the database for the end-of-day tests: disbursed through the
ledger (so balances derive from it), with hand-made schedules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal

from tortoise.transactions import in_transaction

from db.models import (
    ApplicationStatus,
    Contract,
    Enterprise,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    User,
)
from domain.loanbook.accounts import Account
from domain.loanbook.ledger import cr, dr, post
from domain.products import seed_products
from tests.factories import uscc

# (starts_on, due_on, principal, interest)
Row = tuple[date, date, str, str]

TWO_MONTHS: tuple[Row, ...] = (
    (date(2026, 1, 15), date(2026, 2, 15), "6000.00", "36.00"),
    (date(2026, 2, 15), date(2026, 3, 15), "6000.00", "18.00"),
)


async def make_loan(
    n: int = 1,
    *,
    amount: str = "12000.00",
    rate: str = "0.036",
    rows: Sequence[Row] = TWO_MONTHS,
    disbursed_on: date = date(2026, 1, 15),
) -> Loan:
    """An ACTIVE loan of `amount` at `rate`, paid out on `disbursed_on` with `rows`."""
    await seed_products()
    product = await LoanProduct.get(code="TECH_CREDIT")
    firm = await Enterprise.create(uscc=uscc(400 + n), name=f"日终测试{n}号公司", registered=True)
    user = await User.get_or_none(email="cfo@eod.example") or await User.create(
        email="cfo@eod.example", password_hash="x", role="APPLICANT", enterprise_id=firm.id
    )
    application = await LoanApplication.create(
        enterprise_id=firm.id, product_id=product.id, created_by_id=user.id,
        amount=Decimal(amount), term_months=len(rows), status=ApplicationStatus.DISBURSED,
    )  # fmt: skip
    contract = await Contract.create(
        application_id=application.id, status="SIGNED", path="unused.pdf", sha256="0" * 64
    )
    async with in_transaction() as conn:
        loan = await Loan.create(
            enterprise_id=firm.id, application_id=application.id, contract_id=contract.id,
            principal=Decimal(amount), outstanding=Decimal(0), annual_rate=Decimal(rate),
            penalty_surcharge=Decimal("0.5"), repayment_method=product.repayment_method,
            disbursed_at=datetime.combine(disbursed_on, time(9), UTC), disbursed_by="user:o@x",
            using_db=conn,
        )  # fmt: skip
        await post(kind="DISBURSEMENT", lines=[dr(Account.LOAN_PRINCIPAL, Decimal(amount)),
                   cr(Account.SETTLEMENT, Decimal(amount))], business_date=disbursed_on,
                   actor="test", conn=conn, loan=loan)  # fmt: skip
        await Installment.bulk_create(
            [Installment(loan_id=loan.id, number=k, starts_on=s, due_on=d, principal=Decimal(p),
                         interest=Decimal(i)) for k, (s, d, p, i) in enumerate(rows, 1)],
            using_db=conn,
        )  # fmt: skip
    return loan


async def schedule(loan_id: int) -> list[Installment]:
    """The loan's installments, in order."""
    return await Installment.filter(loan_id=loan_id).order_by("version", "number")
