"""Loans on the books written straight to the database, disbursement posted to the ledger, for
the tests of changes, write-offs, the ledger check and the portfolio.

Servicing does not depend on how a loan was approved and signed, so these loans skip that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
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
from domain.loanbook.accounts import Account
from domain.loanbook.amortisation import build_schedule
from domain.loanbook.ledger import cr, dr, post
from domain.loanbook.schedules import fresh_rows
from domain.products import seed_products
from tests.factories import uscc
from tests.trust import trust


@dataclass
class Book:
    """Staff of every kind that changes loans, a borrower, and the loans made so far."""

    officer: Principal
    risk: Principal
    risk2: Principal
    admin: Principal
    feed: Principal
    applicant: Principal
    product: LoanProduct
    loans: list[Loan] = field(default_factory=list)
    _next: int = 0

    async def loan(
        self,
        amount: str = "12000.00",
        *,
        rate: str = "0.072",
        term: int = 3,
        on: date = date(2026, 1, 1),
        method: str = "EQUAL_PRINCIPAL",
        industry: str | None = "I65",
        region: str | None = "340100",
        enterprise: Enterprise | None = None,
    ) -> Loan:
        """A loan of `amount` paid out on `on`, its schedule (version 1) and DISBURSEMENT."""
        self._next += 1
        if enterprise is None:
            enterprise = await Enterprise.create(uscc=uscc(700 + self._next),
                                                 name=f"合肥账簿科技{self._next}有限公司",
                                                 industry=industry, region=region,
                                                 registered=True)  # fmt: skip
        application = await LoanApplication.create(
            enterprise_id=enterprise.id, product_id=self.product.id,
            created_by_id=self.applicant.user_id, amount=Decimal(amount), term_months=term,
            status=ApplicationStatus.DISBURSED,
        )  # fmt: skip
        contract = await Contract.create(application_id=application.id, status="SIGNED",
                                         path="unused.pdf", sha256="0" * 64)  # fmt: skip
        loan = await Loan.create(
            enterprise_id=enterprise.id, application_id=application.id, contract_id=contract.id,
            principal=Decimal(amount), outstanding=Decimal("0"), annual_rate=Decimal(rate),
            repayment_method=method,
            disbursed_at=datetime(on.year, on.month, on.day, 2, tzinfo=UTC),
            disbursed_by="user:officer@bank.example",
        )  # fmt: skip
        rows = build_schedule(method, principal=Decimal(amount), annual_rate=Decimal(rate),
                              term_months=term, start=on)  # fmt: skip
        async with in_transaction() as conn:
            for row in fresh_rows(rows, starts_on=on):
                row.loan_id = loan.id  # type: ignore[attr-defined]
                row.version = 1
                await row.save(using_db=conn)
            await post(kind="DISBURSEMENT", lines=[dr(Account.LOAN_PRINCIPAL, Decimal(amount)),
                       cr(Account.SETTLEMENT, Decimal(amount))], business_date=on,
                       actor="user:officer@bank.example", conn=conn, loan=loan,
                       key=f"disbursement:{loan.id}")  # fmt: skip
        self.loans.append(loan)
        return loan


async def _user(email: str, role: Role, enterprise_id: int | None = None) -> Principal:
    user = await User.create(email=email, password_hash="not-a-real-hash", role=role,
                             enterprise_id=enterprise_id)  # fmt: skip
    await trust(user)
    return Principal(user_id=user.id, email=email, role=role, enterprise_id=enterprise_id)


async def make_book() -> Book:
    """Staff, a borrower enterprise's applicant, and the seeded products; no loans yet."""
    await seed_products()
    product = await LoanProduct.get(code="TECH_CREDIT")
    own = await Enterprise.create(uscc=uscc(699), name="合肥借款人有限公司", registered=True)
    return Book(
        officer=await _user("officer@bank.example", Role.LOAN_OFFICER),
        risk=await _user("risk@bank.example", Role.RISK_MANAGER),
        risk2=await _user("risk2@bank.example", Role.RISK_MANAGER),
        admin=await _user("admin@bank.example", Role.ADMIN),
        feed=await _user("feed@bank.example", Role.SERVICE),
        applicant=await _user("cfo@borrower.example", Role.APPLICANT, own.id),
        product=product,
    )


async def book_interest(loan: Loan, amount: str, *, on: date, penalty: str = "0") -> None:
    """Post accrued interest (and penalty) to a loan directly, as the batch would."""
    async with in_transaction() as conn:
        lines = [dr(Account.INTEREST_RECEIVABLE, Decimal(amount)),
                 cr(Account.INTEREST_INCOME, Decimal(amount)),
                 dr(Account.PENALTY_RECEIVABLE, Decimal(penalty)),
                 cr(Account.PENALTY_INCOME, Decimal(penalty))]  # fmt: skip
        await post(kind="ACCRUAL", lines=lines, business_date=on, actor="system:test",
                   conn=conn, loan=loan)  # fmt: skip
