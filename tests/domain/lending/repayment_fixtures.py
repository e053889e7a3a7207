"""An active loan written straight to the database, for the repayment and idempotency tests.

Repayments do not depend on how a loan came to be, so these tests do not go through signing
and disbursement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from db.models import (
    ApplicationStatus,
    Contract,
    Enterprise,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    Role,
    User,
)
from domain.accounts.principal import Principal
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


async def make_loan_world(amount: str = "120000.00", term: int = 6) -> LoanWorld:
    """An active TECH_CREDIT loan of `amount` over `term` months with its schedule."""
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
    rate = Decimal("0.0395")
    loan = await Loan.create(
        enterprise_id=own.id,
        application_id=application.id,
        contract_id=contract.id,
        principal=Decimal(amount),
        outstanding=Decimal(amount),
        annual_rate=rate,
        repayment_method=product.repayment_method,
        disbursed_at=datetime.now(UTC),
        disbursed_by="user:officer@bank.example",
    )
    schedule = build_schedule(
        product.repayment_method,
        principal=Decimal(amount),
        annual_rate=rate,
        term_months=term,
        start=date(2026, 1, 15),
    )
    await Installment.bulk_create(
        [
            Installment(
                loan_id=loan.id,
                number=row.number,
                due_on=row.due_on,
                principal=row.principal,
                interest=row.interest,
                paid_principal=ZERO,
                paid_interest=ZERO,
            )
            for row in schedule
        ]
    )
    return LoanWorld(
        loan=loan,
        applicant=applicant,
        other_applicant=await _principal("cfo@other.example", Role.APPLICANT, other.id),
        officer=await _principal("officer@bank.example", Role.LOAN_OFFICER),
        feed=await _principal("feed@bank.example", Role.SERVICE),
    )
