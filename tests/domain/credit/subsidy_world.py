"""Subsidised loans for the subsidy and regulator tests: written straight to the database and
paid out through the ledger, each drawn on a credit line of the GOV_SUBSIDY product (which names
the ZXD_SUBSIDY programme) and enrolled as a drawing is."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from tortoise.transactions import in_transaction

from db.models import (
    ApplicationStatus,
    Contract,
    CreditLine,
    Enterprise,
    Loan,
    LoanApplication,
    LoanProduct,
    SubsidyProgramme,
)
from domain.credit.subsidy import enrol_loan
from domain.lending.loans import book_disbursement
from domain.lending.schedule import build_schedule

RATE = Decimal("0.0285")


async def subsidised_loan(
    enterprise: Enterprise,
    *,
    by: int,
    amount: str,
    on: date,
    term: int = 12,
    product_code: str = "GOV_SUBSIDY",
    limit: str | None = None,
    first_loan: bool = False,
    rate: Decimal = RATE,
) -> Loan:
    """A loan of `amount` drawn on `on` on a fresh line of the product (its programme named on
    the line), enrolled for the subsidy as a drawing is."""
    product = await LoanProduct.get(code=product_code)
    programme = (
        await SubsidyProgramme.get(code=product.subsidy_programme)
        if product.subsidy_programme
        else None
    )
    application = await LoanApplication.create(
        enterprise_id=enterprise.id, product_id=product.id, amount=Decimal(amount),
        term_months=term, status=ApplicationStatus.DISBURSED, first_loan=first_loan,
        created_by_id=by,
    )  # fmt: skip
    contract = await Contract.create(
        application_id=application.id, status="SIGNED", path="unused.pdf", sha256="0" * 64
    )
    line = await CreditLine.create(
        enterprise_id=enterprise.id, application_id=application.id, product_id=product.id,
        contract_id=contract.id, limit=Decimal(limit or amount), annual_rate=rate,
        max_term_months=term, valid_from=on, valid_until=date(on.year + 2, on.month, 1),
        subsidy_programme_id=programme.id if programme else None,
    )  # fmt: skip
    schedule = build_schedule(
        product.repayment_method, principal=Decimal(amount), annual_rate=rate,
        term_months=term, start=on,
    )  # fmt: skip
    async with in_transaction() as conn:
        loan = await Loan.create(
            enterprise_id=enterprise.id, application_id=application.id, contract_id=contract.id,
            principal=Decimal(amount), outstanding=Decimal("0.00"), annual_rate=rate,
            repayment_method=product.repayment_method, credit_line_id=line.id,
            first_loan=first_loan, disbursed_at=datetime.combine(on, time(2), UTC),
            disbursed_by="user:officer@bank.example", using_db=conn,
        )  # fmt: skip
        await book_disbursement(
            loan, schedule, start=on, actor="user:officer@bank.example", conn=conn
        )
        await enrol_loan(loan, line, actor="user:officer@bank.example", conn=conn)
    return await Loan.get(id=loan.id)
