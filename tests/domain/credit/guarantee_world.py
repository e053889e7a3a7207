"""A guaranteed credit line for the guarantee tests: a GOV_SUBSIDY application with its line
granted (written straight to the database), the programme's guarantor staff of its own and of
another institution, and the bank's staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.transactions import in_transaction

from db.models import (
    ApplicationStatus,
    Contract,
    CreditLine,
    Enterprise,
    GuarantorInstitution,
    Loan,
    LoanApplication,
    LoanProduct,
    Role,
    User,
)
from domain.accounts.principal import Principal
from domain.credit.guarantees import post_guarantee_fee, require_signed_guarantee
from domain.credit.lines import grant_line
from domain.lending.loans import book_disbursement
from domain.lending.schedule import build_schedule
from domain.products import seed_products
from tests.factories import uscc
from tests.trust import trust

AMOUNT = Decimal("400000.00")
RATE = Decimal("0.0385")
DISBURSED_ON = date(2026, 1, 15)


@dataclass
class GuaranteeWorld:
    """One guaranteed line and everyone who acts on it."""

    line: CreditLine
    application: LoanApplication
    applicant: Principal
    guarantor: Principal
    other_guarantor: Principal
    officer: Principal
    risk: Principal
    admin: Principal


async def make_user(
    email: str, role: Role, *, enterprise_id: int | None = None, institution_id: int | None = None
) -> Principal:
    """A stored user that never logs in, and its principal."""
    user = await trust(
        await User.create(email=email, password_hash="-", role=role, enterprise_id=enterprise_id,
                          institution_id=institution_id)
    )  # fmt: skip
    return Principal(user_id=user.id, email=email, role=role, enterprise_id=enterprise_id,
                     institution_id=institution_id)  # fmt: skip


async def make_guarantee_world() -> GuaranteeWorld:
    """Seed products and programmes, a high-tech borrower with a granted GOV_SUBSIDY line."""
    await seed_products()
    firm = await Enterprise.create(uscc=uscc(701), name="合肥担保科技有限公司", registered=True,
                                   high_tech=True)  # fmt: skip
    applicant = await make_user("cfo@g.example", Role.APPLICANT, enterprise_id=firm.id)
    own = await GuarantorInstitution.get(code="KJDB")
    other = await GuarantorInstitution.create(code="OTHER", name="另一家融资担保公司")
    application, line = await add_guaranteed_line(firm.id, applicant)
    return GuaranteeWorld(
        line=line,
        application=application,
        applicant=applicant,
        guarantor=await make_user("staff@kjdb.example", Role.GUARANTOR, institution_id=own.id),
        other_guarantor=await make_user(
            "staff@other.example", Role.GUARANTOR, institution_id=other.id
        ),  # fmt: skip
        officer=await make_user("officer@g.example", Role.LOAN_OFFICER),
        risk=await make_user("risk@g.example", Role.RISK_MANAGER),
        admin=await make_user("admin@g.example", Role.ADMIN),
    )


async def add_guaranteed_line(
    enterprise_id: int, applicant: Principal
) -> tuple[LoanApplication, CreditLine]:
    """An approved GOV_SUBSIDY application of the enterprise and the line its signed contract
    grants (with the guarantee awaiting the guarantor's signature)."""
    product = await LoanProduct.get(code="GOV_SUBSIDY")
    application = await LoanApplication.create(
        enterprise_id=enterprise_id, product_id=product.id, created_by_id=applicant.user_id,
        amount=AMOUNT, term_months=12, status=ApplicationStatus.DISBURSED,
        decision={"outcome": "APPROVED", "approved_amount": str(AMOUNT), "annual_rate": str(RATE)},
    )  # fmt: skip
    contract = await Contract.create(
        application_id=application.id, status="SIGNED", path="unused.pdf", sha256="0" * 64
    )
    async with in_transaction() as conn:
        line = await grant_line(application, contract, amount=AMOUNT, annual_rate=RATE,
                                actor="user:risk@g.example", now=datetime.now(UTC), conn=conn)  # fmt: skip
    return application, line


async def draw(world: GuaranteeWorld, *, amount: Decimal = AMOUNT, term: int = 12) -> Loan:
    """The line's first drawing, paid out on DISBURSED_ON with its guarantee fee, as
    disbursement does (refused while the guarantee is not signed)."""
    product = await LoanProduct.get(code="GOV_SUBSIDY")
    schedule = build_schedule(product.repayment_method, principal=amount, annual_rate=RATE,
                              term_months=term, start=DISBURSED_ON)  # fmt: skip
    actor = "user:officer@g.example"
    async with in_transaction() as conn:
        await require_signed_guarantee(world.line, conn=conn)
        loan = await Loan.create(
            enterprise_id=world.line.enterprise_id, application_id=world.application.id,  # type: ignore[attr-defined]
            contract_id=(await Contract.get(application_id=world.application.id, kind="LINE")).id,
            principal=amount, outstanding=Decimal("0.00"), annual_rate=RATE,
            repayment_method=product.repayment_method, credit_line_id=world.line.id,
            disbursed_at=datetime(2026, 1, 15, 2, tzinfo=UTC), disbursed_by=actor, using_db=conn,
        )  # fmt: skip
        await book_disbursement(loan, schedule, start=DISBURSED_ON, actor=actor, conn=conn)
        await post_guarantee_fee(loan, world.line, term_months=term, actor=actor, conn=conn)
    return await Loan.get(id=loan.id)


async def default(loan: Loan, days: int) -> Loan:
    """The loan `days` past due, as the end-of-day batch leaves it."""
    await Loan.filter(id=loan.id).update(days_past_due=days, status="OVERDUE")
    return await Loan.get(id=loan.id)
