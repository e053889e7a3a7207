"""Renewals: the policy as data, one open renewal per loan, and the renewal without principal
repayment settling the old loan in the disbursement's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from db.models import (
    Loan,
    LoanApplication,
    LoanMonthEnd,
    PatentPledge,
    RiskScore,
    RiskWarning,
)
from domain.applications import submit_application
from domain.credit.renewals import renew_loan
from domain.decision import assess_application
from domain.errors import DomainError, ErrorCode
from domain.lending.loans import disburse, installments_by_loan_ids
from domain.loanbook.check import check_ledger
from tests.domain.credit.pledge_fixtures import pledged_loan, signed_for
from tests.domain.lending_fixtures import LendingWorld, fixed_gather, inputs

NOW = datetime.now(UTC)


async def _score(world: LendingWorld, graph_risk: float | None = 0.1) -> None:
    await RiskScore.create(
        enterprise_id=world.enterprise.id, score=700, grade="A", probability_of_default=0.02,
        graph_risk=graph_risk, as_of=NOW,
    )  # fmt: skip


async def _near_maturity(loan: Loan) -> object:
    (rows,) = await installments_by_loan_ids(ids=[loan.id])
    return max(r.due_on for r in rows) - timedelta(days=30)


async def test_ineligible_renewal_names_every_failed_condition(world: LendingWorld) -> None:
    loan = await pledged_loan(world)
    await _score(world, graph_risk=0.9)
    await RiskWarning.create(
        enterprise_id=world.enterprise.id, level="ORANGE", kind="X", message="m"
    )
    await LoanMonthEnd.create(
        loan_id=loan.id, month=NOW.date() - timedelta(days=40), status="OVERDUE",
        classification="SPECIAL_MENTION", days_past_due=12,
        principal_outstanding=loan.principal, outstanding=loan.principal,
    )  # fmt: skip
    await Loan.filter(id=loan.id).update(classification="SPECIAL_MENTION")
    before = await LoanApplication.all().count()
    with pytest.raises(DomainError) as err:
        await renew_loan(
            principal=world.applicant, loan_id=loan.id, without_principal_repayment=True
        )
    assert err.value.code is ErrorCode.RENEWAL_INELIGIBLE
    for condition in (
        "NEAR_MATURITY",
        "CLASSIFICATION",
        "OPEN_WARNINGS",
        "REPAYMENT_HISTORY",
        "GRAPH_RISK",
    ):
        assert condition in err.value.message
    assert await LoanApplication.all().count() == before


async def test_only_the_borrower_renews_and_once(world: LendingWorld) -> None:
    loan = await pledged_loan(world)
    await _score(world)
    today = await _near_maturity(loan)
    for other in (world.other_applicant, world.officer):
        with pytest.raises(DomainError) as err:
            await renew_loan(principal=other, loan_id=loan.id, without_principal_repayment=True,
                             today=today)  # type: ignore[arg-type]  # fmt: skip
        assert err.value.code is ErrorCode.FORBIDDEN
    await renew_loan(principal=world.applicant, loan_id=loan.id, without_principal_repayment=True,
                     today=today)  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(DomainError) as err:
        await renew_loan(principal=world.applicant, loan_id=loan.id,
                         without_principal_repayment=True, today=today)  # type: ignore[arg-type]  # fmt: skip
    assert err.value.code is ErrorCode.DUPLICATE


async def test_renewal_without_principal_repayment_settles_the_old_loan(
    world: LendingWorld,
) -> None:
    old = await pledged_loan(world, amount="1000000", term=12)
    await _score(world)
    renewal = await renew_loan(
        principal=world.applicant, loan_id=old.id, without_principal_repayment=True,
        today=await _near_maturity(old),  # type: ignore[arg-type]
    )  # fmt: skip
    assert renewal.renewal_of_id == old.id and renewal.without_principal_repayment
    assert renewal.amount == Decimal("1000000.00") and renewal.first_loan is False
    await submit_application(principal=world.applicant, application_id=renewal.id)
    await assess_application(application_id=renewal.id, gather=fixed_gather(inputs()))
    renewal = await LoanApplication.get(id=renewal.id)
    assert renewal.status == "APPROVED", renewal.decision
    contract = await signed_for(world, renewal)
    # the registration carries over from the renewed loan: nothing to register again
    new = await disburse(principal=world.officer2, contract_id=contract.id)

    old = await Loan.get(id=old.id)
    assert old.status == "CLOSED" and old.outstanding == 0
    assert new.status == "ACTIVE" and new.renewal_of_id == old.id
    assert new.renewed_without_principal and not new.first_loan
    pledge = await PatentPledge.get()
    assert pledge.application_id == renewal.id and pledge.active_patent_id is not None  # type: ignore[attr-defined]
    ledger = await check_ledger()
    assert ledger.ok, ledger.problems
