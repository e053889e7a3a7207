"""Large offers always meet people: the thresholds live in the versioned policy file, the matrix
never approves above them on the model alone, and an administrator never approves."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from config import load_settings
from db.models import ApplicationStatus, LoanApplication
from domain.decision import CURRENT_VERSION, load_policy, review_application
from domain.decision.policy import POLICY_DIR, ApprovalRules, parse_policy
from domain.decision.review import decision_policy, four_eyes_amount
from domain.errors import DomainError, ErrorCode
from tests.domain.lending_fixtures import LendingWorld, decided, inputs, record_counts

S = ApplicationStatus
D = Decimal
CURRENT = load_policy()


def _current_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((POLICY_DIR / f"{CURRENT_VERSION}.json").read_text())
    return data


def test_the_thresholds_are_in_the_current_policy_file() -> None:
    assert _current_file()["approvals"] == {
        "four_eyes_above": "3000000",
        "always_human_above": "3000000",
    }
    assert CURRENT.approvals == ApprovalRules(D("3000000"), D("3000000"))
    assert four_eyes_amount() == D("3000000")


def test_a_decision_keeps_the_thresholds_of_its_own_policy_version() -> None:
    # v1 predates the approvals section: the four-eyes amount it was decided under, no bound
    v1 = decision_policy({"policy_version": "v1"})
    assert v1.version == "v1" and v1.approvals == ApprovalRules(D("3000000"), None)
    assert decision_policy({}).version == CURRENT_VERSION


def test_the_environment_variable_is_refused_not_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPCREDIT_FOUR_EYES_AMOUNT", "10000000")
    with pytest.raises(ValueError, match="approvals.four_eyes_above"):
        load_settings()


@pytest.mark.parametrize("grade", CURRENT.grades)
@pytest.mark.parametrize("amount", ["3000000.01", "5000000", "50000000"])
def test_the_matrix_never_approves_above_the_bound_whatever_the_grade(
    grade: str, amount: str
) -> None:
    band = CURRENT.band_of(D(amount))
    assert CURRENT.matrix[grade][band] != "APPROVE"


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        # the old AAA row: large offers approved with nobody looking
        (lambda p: p["matrix"]["AAA"].update(L="APPROVE"), "band L"),
        # a bound inside band M, where A still approves up to 3,000,000
        (lambda p: p["approvals"].update(always_human_above="2000000"), "band M"),
        (lambda p: p["approvals"].update(four_eyes_above="-1"), "four_eyes_above"),
        # offers between the two would need four eyes, yet the model could approve them
        (lambda p: p["approvals"].update(four_eyes_above="2000000"), "must not exceed"),
        (lambda p: p["approvals"].update(always_human_above="NaN"), "always_human_above"),
    ],
)
def test_a_policy_that_would_approve_above_the_bound_is_refused(breakage, message: str) -> None:  # type: ignore[no-untyped-def]
    data = _current_file()
    breakage(data)
    with pytest.raises(ValueError, match=message):
        parse_policy(json.dumps(data).encode())


async def test_a_triple_a_offer_above_the_bound_goes_to_a_person(world: LendingWorld) -> None:
    # grade AAA with ample pledge and revenue: the old matrix approved this automatically
    risk = inputs(grade="AAA", pd=0.005, pledge="20000000", revenue="100000000")
    application = await decided(world, risk, amount="5000000")
    assert application.status == S.MANUAL_REVIEW
    assert application.decision["matrix_cell"]["action"] == "REVIEW"
    assert application.decision["policy_version"] == CURRENT_VERSION
    # and it then needs both a loan officer and a risk manager, two different people
    for who in (world.officer, world.officer2):
        await review_application(
            principal=who, application_id=application.id, decision="APPROVE", comment="fine"
        )
    assert (await LoanApplication.get(id=application.id)).status == S.MANUAL_REVIEW
    await review_application(
        principal=world.risk_manager, application_id=application.id, decision="APPROVE",
        comment="risk fine",
    )  # fmt: skip
    assert (await LoanApplication.get(id=application.id)).status == S.APPROVED


async def test_a_triple_a_offer_at_the_bound_is_still_approved_by_the_model(
    world: LendingWorld,
) -> None:
    risk = inputs(grade="AAA", pd=0.005, pledge="20000000", revenue="100000000")
    application = await decided(world, risk, amount="3000000")
    assert application.status == S.APPROVED


async def test_an_administrator_cannot_approve(world: LendingWorld) -> None:
    application = await decided(world, inputs(grade="BB", pd=0.06, pledge="9000000"))
    assert application.status == S.MANUAL_REVIEW
    before = await record_counts()
    with pytest.raises(DomainError) as err:
        await review_application(
            principal=world.admin, application_id=application.id, decision="APPROVE", comment="ok"
        )
    assert err.value.code is ErrorCode.FORBIDDEN
    assert "separation of duties" in err.value.message and "administrator" in err.value.message
    assert await record_counts() == before
