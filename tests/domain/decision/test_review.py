"""Manual review of referred applications: four eyes above the amount, refusals, finality."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.models import ApplicationStatus, LoanApplication
from domain.decision import approvals_complete, review_application
from domain.errors import DomainError, ErrorCode
from tests.domain.lending_fixtures import LendingWorld, decided, inputs, record_counts

S = ApplicationStatus


async def _in_review(world: LendingWorld, amount: str = "1000000") -> LoanApplication:
    # BB asks for review at any amount up to band M; above that A does (matrix, policy v1)
    risk = inputs(grade="BB" if Decimal(amount) <= 3_000_000 else "A", pd=0.06, pledge="9000000")
    application = await decided(world, risk, amount=amount)
    assert application.status == S.MANUAL_REVIEW
    return application


async def test_officer_approves_below_the_four_eyes_amount(world: LendingWorld) -> None:
    application = await _in_review(world)
    await review_application(
        principal=world.officer, application_id=application.id, decision="APPROVE", comment="ok"
    )
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.APPROVED and stored.decided_at is not None
    assert stored.decision["outcome"] == "APPROVED"
    assert stored.decision["model"]["outcome"] == "MANUAL_REVIEW"
    assert stored.decision["reasons"][0]["code"] == "MANUAL_APPROVED"
    assert stored.decision["decided_by"] == "user:officer1@bank.example"


async def test_four_eyes_above_the_amount(world: LendingWorld) -> None:
    application = await _in_review(world, amount="5000000")
    await review_application(
        principal=world.officer, application_id=application.id, decision="APPROVE", comment="first"
    )
    assert (await LoanApplication.get(id=application.id)).status == S.MANUAL_REVIEW
    # the same person twice: refused, nothing written
    before = await record_counts()
    with pytest.raises(DomainError) as err:
        await review_application(
            principal=world.officer,
            application_id=application.id,
            decision="APPROVE",
            comment="again",
        )
    assert err.value.code is ErrorCode.DUPLICATE
    assert await record_counts() == before
    # another loan officer is not enough: a risk manager must approve
    await review_application(
        principal=world.officer2,
        application_id=application.id,
        decision="APPROVE",
        comment="second",
    )
    assert (await LoanApplication.get(id=application.id)).status == S.MANUAL_REVIEW
    await review_application(
        principal=world.risk_manager,
        application_id=application.id,
        decision="APPROVE",
        comment="risk ok",
    )
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.APPROVED
    assert stored.decision["decided_by"].split(",") == [
        "user:officer1@bank.example", "user:officer2@bank.example", "user:risk@bank.example",
    ]  # fmt: skip
    assert len(stored.decision["reviews"]) == 3


async def test_reject_is_final_at_once(world: LendingWorld) -> None:
    application = await _in_review(world, amount="5000000")
    await review_application(
        principal=world.risk_manager, application_id=application.id, decision="REJECT", comment="no"
    )
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.REJECTED and stored.decision["approved_amount"] is None


@pytest.mark.parametrize(
    ("who", "comment", "code"),
    [
        ("applicant", "ok", ErrorCode.FORBIDDEN),
        ("admin", "ok", ErrorCode.FORBIDDEN),
        ("officer", "   ", ErrorCode.INVALID_INPUT),
    ],
)
async def test_bad_reviews_are_refused(
    world: LendingWorld, who: str, comment: str, code: ErrorCode
) -> None:
    application = await _in_review(world)
    with pytest.raises(DomainError) as err:
        await review_application(
            principal=getattr(world, who), application_id=application.id, decision="APPROVE",
            comment=comment,
        )  # fmt: skip
    assert err.value.code is code


async def test_approving_twice_is_invalid_state(world: LendingWorld) -> None:
    application = await _in_review(world)
    await review_application(
        principal=world.officer, application_id=application.id, decision="APPROVE", comment="ok"
    )
    before = await record_counts()
    with pytest.raises(DomainError) as err:
        await review_application(
            principal=world.officer2,
            application_id=application.id,
            decision="APPROVE",
            comment="ok",
        )
    assert err.value.code is ErrorCode.INVALID_STATE
    assert await record_counts() == before


@pytest.mark.parametrize(
    ("amount", "roles", "complete"),
    [
        ("1000000", [], False),
        ("1000000", ["LOAN_OFFICER"], True),
        ("3000000", ["RISK_MANAGER"], True),
        ("3000000.01", ["LOAN_OFFICER"], False),
        ("5000000", ["LOAN_OFFICER", "LOAN_OFFICER"], False),
        ("5000000", ["RISK_MANAGER", "LOAN_OFFICER"], True),
    ],
)
def test_approvals_complete(amount: str, roles: list[str], complete: bool) -> None:
    assert approvals_complete(Decimal(amount), roles, Decimal("3000000")) is complete
