"""A disbursed loan for the loan-book API tests: written straight to the database and paid out
through the ledger (the DISBURSEMENT posting sets its balances), with the people who act on it.

The loan: 120,000.00 CNY over 6 months at 3.95 %, equal installments, disbursed on 2026-01-15.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from domain.lending.loans import book_disbursement
from domain.lending.schedule import build_schedule
from domain.products import seed_products
from tests.factories import uscc
from tests.trust import trust

DISBURSED_ON = date(2026, 1, 15)
RATE = Decimal("0.0395")


@dataclass
class BookWorld:
    """One borrower's loan and everyone who reads or acts on it."""

    loan: Loan
    applicant: Principal
    other_applicant: Principal
    officer: Principal
    risk: Principal
    risk2: Principal
    admin: Principal
    feed: Principal


async def make_user(email: str, role: Role, enterprise_id: int | None = None) -> Principal:
    """A stored user that never logs in (no password to hash) and its principal."""
    user = await trust(
        await User.create(email=email, password_hash="-", role=role, enterprise_id=enterprise_id)
    )
    return Principal(user_id=user.id, email=email, role=role, enterprise_id=enterprise_id)


async def add_loan(
    enterprise_id: int,
    product: LoanProduct,
    by: Principal,
    *,
    amount: str = "120000.00",
    term: int = 6,
) -> Loan:
    """A loan of `amount` over `term` months for the enterprise, paid out on DISBURSED_ON."""
    application = await LoanApplication.create(
        enterprise_id=enterprise_id, product_id=product.id, created_by_id=by.user_id,
        amount=Decimal(amount), term_months=term, status=ApplicationStatus.DISBURSED,
    )  # fmt: skip
    contract = await Contract.create(
        application_id=application.id, status="SIGNED", path="unused.pdf", sha256="0" * 64
    )
    schedule = build_schedule(
        product.repayment_method, principal=Decimal(amount), annual_rate=RATE,
        term_months=term, start=DISBURSED_ON,
    )  # fmt: skip
    async with in_transaction() as conn:
        loan = await Loan.create(
            enterprise_id=enterprise_id, application_id=application.id,
            contract_id=contract.id, principal=Decimal(amount), outstanding=Decimal("0.00"),
            annual_rate=RATE, repayment_method=product.repayment_method,
            disbursed_at=datetime(2026, 1, 15, 2, tzinfo=UTC),
            disbursed_by="user:officer@bank.example", using_db=conn,
        )  # fmt: skip
        await book_disbursement(
            loan, schedule, start=DISBURSED_ON, actor="user:officer@bank.example", conn=conn
        )
    return await Loan.get(id=loan.id)


async def make_book_world() -> BookWorld:
    """Seed products, two enterprises, their applicants, staff, and one disbursed loan."""
    await seed_products()
    product = await LoanProduct.get(code="TECH_CREDIT")
    own = await Enterprise.create(uscc=uscc(501), name="合肥账簿科技有限公司", registered=True)
    other = await Enterprise.create(uscc=uscc(502), name="芜湖邻居有限公司", registered=True)
    applicant = await make_user("cfo@book.example", Role.APPLICANT, own.id)
    return BookWorld(
        loan=await add_loan(own.id, product, applicant),
        applicant=applicant,
        other_applicant=await make_user("cfo@other.example", Role.APPLICANT, other.id),
        officer=await make_user("officer@bank.example", Role.LOAN_OFFICER),
        risk=await make_user("risk@bank.example", Role.RISK_MANAGER),
        risk2=await make_user("risk2@bank.example", Role.RISK_MANAGER),
        admin=await make_user("admin@bank.example", Role.ADMIN),
        feed=await make_user("feed@bank.example", Role.SERVICE),
    )
