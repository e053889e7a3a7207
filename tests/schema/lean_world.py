"""A small world with every kind of record a list shows, for the lean-list tests: the tiny
imported world, then applications (a draft, a decided one, a disbursed one with its loan and
schedule), warnings (one with a loan, a contagion source and path) and dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from db.models import (
    ApplicationPatent,
    Contract,
    DeadLetter,
    Enterprise,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    Patent,
    RiskScore,
    RiskWarning,
    Role,
    StatusChange,
)
from domain.accounts.principal import Principal
from domain.world.importer import import_world_dir
from tests.factories import A, B, tiny_world, write_world
from tests.schema.helpers import make_user

T0 = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


@dataclass
class LeanWorld:
    """Who looks at the world, and the enterprises they look at."""

    staff: Principal
    applicant: Principal
    a: int
    b: int


async def _product() -> LoanProduct:
    return await LoanProduct.create(
        code="IP_TEST", name="IP test", min_amount=Decimal("100000"),
        max_amount=Decimal("5000000"), terms_months=[12, 24], annual_rate=Decimal("0.0435"),
        repayment_method="equal_installment", requires_pledge=True,
    )  # fmt: skip


def _decision(score_id: int) -> dict[str, object]:
    return {
        "outcome": "APPROVED", "approved_amount": "800000.00", "annual_rate": "0.0385",
        "reasons": [{"code": "R01", "description": "strong patents", "weight": 0.4}],
        "decided_by": "model:test", "decided_at": "2025-03-02T10:00:00+00:00",
        "inputs": {"risk_score_id": score_id},
    }  # fmt: skip


async def _applications(a: int, user_id: int) -> LoanApplication:
    product = await _product()
    score = await RiskScore.create(
        enterprise_id=a, score=712, grade="A", probability_of_default=0.021, graph_risk=0.13,
        reasons=[], model_versions={"scorecard": "t"}, as_of=T0,
    )  # fmt: skip
    common = {"enterprise_id": a, "product_id": product.id, "created_by_id": user_id}
    await LoanApplication.create(
        **common, amount=Decimal("250000.50"), term_months=12, status="DRAFT", purpose=None
    )
    await LoanApplication.create(
        **common, amount=Decimal("800000"), term_months=24, status="APPROVED",
        purpose="研发", submitted_at=T0, decided_at=T0, decision=_decision(score.id),
    )  # fmt: skip
    paid = await LoanApplication.create(
        **common, amount=Decimal("1000000"), term_months=12, status="DISBURSED",
        purpose="扩产", submitted_at=T0, decided_at=T0, decision=_decision(score.id),
    )  # fmt: skip
    patent = await Patent.filter(owner_id=a).order_by("id").first()
    assert patent is not None
    await ApplicationPatent.create(application_id=paid.id, patent_id=patent.id)
    await StatusChange.create(
        application_id=paid.id, from_status=None, to_status="DRAFT", by="cfo@a.cn", at=T0
    )
    await StatusChange.create(
        application_id=paid.id, from_status="DRAFT", to_status="SUBMITTED", by="cfo@a.cn", at=T0
    )
    return paid


async def _loan(a: int, application: LoanApplication) -> Loan:
    contract = await Contract.create(application_id=application.id, path="c.pdf", sha256="0" * 64)
    loan = await Loan.create(
        enterprise_id=a, application_id=application.id, contract_id=contract.id,
        principal=Decimal("1000000"), outstanding=Decimal("912345.67"),
        annual_rate=Decimal("0.043500"), repayment_method="equal_installment",
        disbursed_at=T0, disbursed_by="officer@bank.cn",
    )  # fmt: skip
    for n in (1, 2):
        await Installment.create(
            loan_id=loan.id, number=n, due_on=date(2025, 3 + n, 1),
            principal=Decimal("83333.33"), interest=Decimal("3625.00"),
            paid_principal=Decimal("83333.33") if n == 1 else Decimal("0"),
            paid_interest=Decimal("3625.00") if n == 1 else Decimal("0"),
        )  # fmt: skip
    return loan


async def _warnings(a: int, b: int, loan: Loan) -> None:
    await RiskWarning.create(
        enterprise_id=a, loan_id=loan.id, level="ORANGE", kind="contagion",
        message="担保方风险传导", evidence={"events": ["e-1"], "delta": -0.25},
        contagion_source_id=b,
        contagion_path=[{"from": "B", "relation": "guarantees", "to": "A"}],
        status="ACKNOWLEDGED", open_key=f"{a}|contagion|{b}",
    )  # fmt: skip
    await RiskWarning.create(
        enterprise_id=a, level="RED", kind="dishonest_listed", message="失信被执行人",
        evidence={}, status="RESOLVED", note="cleared",
    )  # fmt: skip
    await RiskWarning.create(
        enterprise_id=b, level="YELLOW", kind="tax_rating_drop", message="纳税评级下降",
        status="OPEN", open_key=f"{b}|tax_rating_drop|",
    )  # fmt: skip


async def make_lean_world(directory: Path) -> LeanWorld:
    """The world in the current database, and a staff member and an applicant of A."""
    write_world(tiny_world(), directory)
    await import_world_dir(directory)
    ids = dict(await Enterprise.all().values_list("uscc", "id"))
    a, b = int(ids[A]), int(ids[B])
    staff = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    applicant = await make_user("cfo@a.cn", Role.APPLICANT, a)
    paid = await _applications(a, applicant.user_id)
    loan = await _loan(a, paid)
    await _warnings(a, b, loan)
    for n in (1, 2):
        await DeadLetter.create(
            actor="score_enterprise", message_id=f"m-{n}", args=[n, "x"], error=f"boom {n}"
        )
    return LeanWorld(staff=staff, applicant=applicant, a=a, b=b)


__all__ = ["T0", "LeanWorld", "make_lean_world"]
