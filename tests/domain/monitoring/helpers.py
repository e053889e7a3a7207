"""A tiny monitored portfolio made directly in the database: borrowers, loans, pledges, staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from db.models import (
    ApplicationPatent,
    Contract,
    Enterprise,
    Loan,
    LoanApplication,
    LoanProduct,
    Patent,
    Relation,
    Role,
    User,
    Valuation,
)
from domain.accounts.principal import Principal
from tests.factories import uscc
from tests.trust import trust

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Portfolio:
    """Borrowers A and B (B guarantees A; C supplies B), an outsider D, and their users."""

    a: Enterprise
    b: Enterprise
    c: Enterprise
    d: Enterprise
    loans: dict[str, Loan]
    staff: Principal
    feed: Principal
    applicant_a: Principal
    applicant_b: Principal
    patents: dict[str, Patent] = field(default_factory=dict)


async def user(email: str, role: Role, enterprise: Enterprise | None = None) -> Principal:
    """A stored user and its principal."""
    row = await User.create(
        email=email,
        password_hash="x",
        role=role,
        enterprise_id=None if enterprise is None else enterprise.id,
    )
    await trust(row)
    return Principal(row.id, email, role, None if enterprise is None else enterprise.id)


async def enterprise(n: int, name: str, *, registered: bool = True) -> Enterprise:
    """A stored enterprise with a valid USCC."""
    return await Enterprise.create(
        uscc=uscc(n), name=name, founded_on=date(2015, 1, 1), registered=registered
    )


async def patent(number: str, owner: Enterprise, **extra: Any) -> Patent:
    """A granted invention patent."""
    values: dict[str, Any] = {
        "title": "专利",
        "kind": "invention",
        "filed_on": date(2019, 1, 1),
        "granted_on": date(2021, 1, 1),
        "status": "granted",
    }
    values.update(extra)
    return await Patent.create(number=number, owner_id=owner.id, **values)


async def loan(
    firm: Enterprise,
    applicant: Principal,
    *,
    outstanding: str = "1000000",
    pledged: tuple[Patent, ...] = (),
) -> Loan:
    """A disbursed, active loan (application, contract and pledge links made directly)."""
    product = await LoanProduct.filter(code="TEST").first()
    if product is None:
        product = await LoanProduct.create(
            code="TEST", name="test", min_amount=Decimal("100000"), max_amount=Decimal("5000000"),
            terms_months=[12], annual_rate=Decimal("0.04"), repayment_method="equal_installment",
            requires_pledge=True,
        )  # fmt: skip
    application = await LoanApplication.create(
        enterprise_id=firm.id, product_id=product.id, created_by_id=applicant.user_id,
        amount=Decimal(outstanding), term_months=12, status="DISBURSED",
    )  # fmt: skip
    for p in pledged:
        await ApplicationPatent.create(application_id=application.id, patent_id=p.id)
    contract = await Contract.create(application_id=application.id, path="x.pdf", sha256="0" * 64)
    return await Loan.create(
        enterprise_id=firm.id, application_id=application.id, contract_id=contract.id,
        principal=Decimal(outstanding), outstanding=Decimal(outstanding),
        annual_rate=Decimal("0.04"), repayment_method="equal_installment",
        disbursed_at=T0, disbursed_by="user:officer@bank.example",
    )  # fmt: skip


async def appraise(p: Patent, value: str, *, at: datetime | None = None) -> Valuation:
    """Store an appraisal of a patent."""
    v = await Valuation.create(
        patent_id=p.id, value=Decimal(value), low=Decimal(value), high=Decimal(value),
        pledge_value=Decimal(value), method="test", model_version="test",
    )  # fmt: skip
    if at is not None:
        await Valuation.filter(id=v.id).update(created_at=at)
    return v


async def make_portfolio() -> Portfolio:
    """The portfolio in the current database."""
    a = await enterprise(501, "合肥甲科技有限公司")
    b = await enterprise(502, "芜湖乙装备有限公司")
    c = await enterprise(503, "蚌埠丙材料有限公司")
    d = await enterprise(504, "外部丁公司", registered=False)
    await Relation.create(kind="guarantee", src=b.uscc, dst=a.uscc)
    await Relation.create(kind="supply", src=c.uscc, dst=b.uscc)
    await Relation.create(kind="officer", src="P1", dst=a.uscc, role="legal_rep")
    applicant_a = await user("cfo@a.example", Role.APPLICANT, a)
    applicant_b = await user("cfo@b.example", Role.APPLICANT, b)
    applicant_c = await user("cfo@c.example", Role.APPLICANT, c)
    pa = await patent("CN500000001B", a)
    pb = await patent("CN500000002B", b)
    loans = {
        "a": await loan(a, applicant_a, pledged=(pa,)),
        "b": await loan(b, applicant_b, pledged=(pb,)),
        "c": await loan(c, applicant_c),
    }
    return Portfolio(
        a=a, b=b, c=c, d=d, loans=loans,
        staff=await user("risk@bank.example", Role.RISK_MANAGER),
        feed=await user("feed@bank.example", Role.SERVICE),
        applicant_a=applicant_a, applicant_b=applicant_b,
        patents={"a": pa, "b": pb},
    )  # fmt: skip
