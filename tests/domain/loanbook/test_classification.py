"""Five-tier classification: the rule floor, staff downgrades, never an upgrade past the rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.models import AuditEntry, JournalLine, Loan, Role, User
from domain.accounts.principal import Principal
from domain.errors import DomainError, ErrorCode
from domain.loanbook.classification import Classification as C
from domain.loanbook.classification import classify, reclassify_loan, rule_floor
from domain.loanbook.provisions import rates, target_allowance
from tests.domain.loanbook.eod_fixtures import make_loan
from tests.trust import trust


@pytest.mark.parametrize(
    ("dpd", "restructured", "written_off", "tier"),
    [
        (0, False, False, C.NORMAL),
        (1, False, False, C.SPECIAL_MENTION),
        (90, False, False, C.SPECIAL_MENTION),
        (91, False, False, C.SUBSTANDARD),
        (0, True, False, C.SUBSTANDARD),
        (180, True, False, C.SUBSTANDARD),
        (181, False, False, C.DOUBTFUL),
        (360, False, False, C.DOUBTFUL),
        (361, False, False, C.LOSS),
        (0, False, True, C.LOSS),
    ],
)
def test_the_rule_floor(dpd: int, restructured: bool, written_off: bool, tier: C) -> None:
    assert rule_floor(dpd, restructured=restructured, written_off=written_off)[0] is tier


def test_a_downgrade_wins_only_when_worse_than_the_rule() -> None:
    assert classify(0, manual=C.DOUBTFUL, manual_reason="fraud suspected") == (
        C.DOUBTFUL, "downgraded by staff: fraud suspected")  # fmt: skip
    assert classify(200, manual=C.SPECIAL_MENTION)[0] is C.DOUBTFUL


def test_default_provision_rates() -> None:
    """关注 2 %, 次级 25 %, 可疑 50 %, 损失 100 %: 10,000.01 x 2 % = 200.0002 -> 200.00."""
    assert rates()[C.SPECIAL_MENTION] == Decimal("0.02")
    assert target_allowance(C.SPECIAL_MENTION, Decimal("10000.01")) == Decimal("200.00")
    assert target_allowance(C.SUBSTANDARD, Decimal("10000.02")) == Decimal("2500.01")  # .005 up
    assert target_allowance(C.NORMAL, Decimal("10000.00")) == Decimal("0.00")


async def _staff(email: str, role: Role) -> Principal:
    user = await User.create(email=email, password_hash="x", role=role)
    await trust(user)
    return Principal(user_id=user.id, email=email, role=role, enterprise_id=None)


async def test_a_risk_manager_downgrades_with_a_reason_and_the_allowance_follows(db: str) -> None:
    """SUBSTANDARD on 12,000.00 principal: 25 % = 3,000.00 charged at once."""
    loan = await make_loan()
    risk = await _staff("risk@bank.example", Role.RISK_MANAGER)
    after = await reclassify_loan(principal=risk, loan_id=loan.id,
                                  classification="SUBSTANDARD", reason="court freeze")  # fmt: skip
    assert (after.classification, after.manual_classification) == ("SUBSTANDARD", "SUBSTANDARD")
    allowance = await JournalLine.filter(loan_id=loan.id, account="1304_LOAN_LOSS_ALLOWANCE")
    assert [line.credit for line in allowance] == [Decimal("3000.00")]
    assert await AuditEntry.filter(action="loan.reclassify").count() == 1
    # lifting the downgrade back to the rule's tier releases the allowance
    await reclassify_loan(principal=risk, loan_id=loan.id, classification="NORMAL",
                          reason="freeze lifted")  # fmt: skip
    stored = await Loan.get(id=loan.id)
    assert (stored.classification, stored.manual_classification) == ("NORMAL", None)
    lines = await JournalLine.filter(loan_id=loan.id, account="1304_LOAN_LOSS_ALLOWANCE")
    assert sum(line.credit - line.debit for line in lines) == 0


async def test_no_upgrade_past_the_rule_and_only_risk_managers(db: str) -> None:
    loan = await make_loan()
    await Loan.filter(id=loan.id).update(days_past_due=120, classification="SUBSTANDARD")
    risk = await _staff("risk@bank.example", Role.RISK_MANAGER)
    officer = await _staff("officer@bank.example", Role.LOAN_OFFICER)
    with pytest.raises(DomainError) as err:
        await reclassify_loan(principal=risk, loan_id=loan.id,
                              classification="SPECIAL_MENTION", reason="paying soon")  # fmt: skip
    assert err.value.code is ErrorCode.INVALID_INPUT
    assert "at least SUBSTANDARD" in err.value.message
    with pytest.raises(DomainError) as err:
        await reclassify_loan(principal=officer, loan_id=loan.id,
                              classification="LOSS", reason="x")  # fmt: skip
    assert err.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as err:
        await reclassify_loan(principal=risk, loan_id=loan.id, classification="LOSS", reason=" ")
    assert err.value.code is ErrorCode.INVALID_INPUT
    assert (await Loan.get(id=loan.id)).classification == "SUBSTANDARD"
