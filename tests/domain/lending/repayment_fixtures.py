"""An active loan written straight to the database, for the repayment and idempotency tests.

Repayments do not depend on how a loan came to be, so these tests do not go through signing and
the disbursement checks: the loan row is written directly, then booked like a disbursement
(schedule version 1 and the DISBURSEMENT posting).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from tortoise.transactions import in_transaction

from db.models import (
    ApplicationStatus,
    Contract,
    Enterprise,
    Loan,
    LoanApplication,
    LoanProduct,
    Role,
    User,
)
from domain.accounts.principal import Principal
from domain.lending.loans import book_disbursement
from domain.lending.schedule import ZERO, build_schedule
from domain.products import seed_products
from tests.factories import uscc
from tests.trust import trust


@dataclass
class LoanWorld:
    """One borrower with an active loan, an officer, a payment feed and another applicant."""

    loan: Loan
    applicant: Principal
    other_applicant: Principal
    officer: Principal
    feed: Principal


async def _principal(email: str, role: Role, enterprise_id: int | None = None) -> Principal:
    user = await User.create(
        email=email, password_hash="not-a-real-hash", role=role, enterprise_id=enterprise_id
    )
    await trust(user)
    return Principal(user_id=user.id, email=email, role=role, enterprise_id=enterprise_id)


async def make_loan_world(
    amount: str = "120000.00", term: int = 6, start: date | None = None, rate: str = "0.0395"
) -> LoanWorld:
    """An active TECH_CREDIT loan of `amount` over `term` months with its schedule, disbursed on
    `start` (default: today, so money received now pays its first installment)."""
    await seed_products()
    product = await LoanProduct.get(code="TECH_CREDIT")
    own = await Enterprise.create(uscc=uscc(301), name="合肥还款科技有限公司", registered=True)
    other = await Enterprise.create(uscc=uscc(302), name="芜湖旁观者有限公司", registered=True)
    applicant = await _principal("cfo@repay.example", Role.APPLICANT, own.id)
    application = await LoanApplication.create(
        enterprise_id=own.id,
        product_id=product.id,
        created_by_id=applicant.user_id,
        amount=Decimal(amount),
        term_months=term,
        status=ApplicationStatus.DISBURSED,
    )
    contract = await Contract.create(
        application_id=application.id, status="SIGNED", path="unused.pdf", sha256="0" * 64
    )
    start = start or datetime.now(UTC).date()
    loan = await Loan.create(
        enterprise_id=own.id,
        application_id=application.id,
        contract_id=contract.id,
        principal=Decimal(amount),
        outstanding=ZERO,
        annual_rate=Decimal(rate),
        repayment_method=product.repayment_method,
        disbursed_at=datetime.combine(start, time(9), UTC),
        disbursed_by="user:officer@bank.example",
    )
    schedule = build_schedule(
        product.repayment_method,
        principal=Decimal(amount),
        annual_rate=Decimal(rate),
        term_months=term,
        start=start,
    )
    async with in_transaction() as conn:
        await book_disbursement(
            loan, schedule, start=start, actor="user:officer@bank.example", conn=conn
        )
    return LoanWorld(
        loan=loan,
        applicant=applicant,
        other_applicant=await _principal("cfo@other.example", Role.APPLICANT, other.id),
        officer=await _principal("officer@bank.example", Role.LOAN_OFFICER),
        feed=await _principal("feed@bank.example", Role.SERVICE),
    )
