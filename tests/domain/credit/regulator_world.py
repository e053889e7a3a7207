"""A small hand-built book for the regulator's figures, with known answers.

Borrowers: A (high-tech, 50 staff, lines of 1,000,000 and 400,000) and D (10 staff, 300,000)
are small and micro; B (1,000 staff) and C (a 20,000,000 line) are not. Month ends written by
hand: 2025-12-31 (the year-start baseline) and 2026-10-31.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from db.models import Enterprise, Loan, LoanMonthEnd, Role
from domain.accounts.principal import Principal
from domain.products import seed_products
from tests.domain.credit.subsidy_world import subsidised_loan
from tests.factories import uscc
from tests.schema.loanbook_world import make_user

OLD = date(2025, 11, 10)


@dataclass
class RegWorld:
    officer: Principal
    applicant: Principal
    a1: Loan
    a2: Loan
    b1: Loan
    c1: Loan
    d1: Loan


async def _month_end(loan: Loan, month: date, principal: str, tier: str = "NORMAL") -> None:
    await LoanMonthEnd.create(
        loan_id=loan.id, month=month, status="ACTIVE", classification=tier, days_past_due=0,
        principal_outstanding=Decimal(principal), outstanding=Decimal(principal),
    )  # fmt: skip


async def make_reg_world() -> RegWorld:
    await seed_products()
    officer = await make_user("officer@reg.example", Role.LOAN_OFFICER)
    a = await Enterprise.create(uscc=uscc(901), name="A", high_tech=True, employees=50)
    b = await Enterprise.create(uscc=uscc(902), name="B", srdi=True, employees=1000)
    c = await Enterprise.create(uscc=uscc(903), name="C", srdi=True)
    d = await Enterprise.create(uscc=uscc(904), name="D", employees=10)
    by = officer.user_id
    kw = {"by": by, "product_code": "TECH_CREDIT"}
    a1 = await subsidised_loan(a, amount="1000000.00", on=OLD, **kw)  # type: ignore[arg-type]
    a2 = await subsidised_loan(a, amount="400000.00", on=date(2026, 10, 5), first_loan=True,
                               rate=Decimal("0.04"), **kw)  # type: ignore[arg-type]  # fmt: skip
    b1 = await subsidised_loan(b, amount="2000000.00", on=OLD, **kw)  # type: ignore[arg-type]
    c1 = await subsidised_loan(c, amount="5000000.00", on=OLD, limit="20000000.00", **kw)  # type: ignore[arg-type]
    d1 = await subsidised_loan(d, amount="300000.00", on=date(2026, 10, 20), first_loan=True,
                               rate=Decimal("0.05"), **kw)  # type: ignore[arg-type]  # fmt: skip
    start, october = date(2025, 12, 31), date(2026, 10, 31)
    await _month_end(a1, start, "1000000.00")
    await _month_end(b1, start, "2000000.00")
    await _month_end(c1, start, "5000000.00")
    await _month_end(a1, october, "800000.00", "SUBSTANDARD")
    await _month_end(a2, october, "400000.00")
    await _month_end(b1, october, "1500000.00")
    await _month_end(c1, october, "4000000.00")
    await _month_end(d1, october, "300000.00")
    applicant = await make_user("cfo@reg.example", Role.APPLICANT, a.id)
    return RegWorld(officer, applicant, a1, a2, b1, c1, d1)
