"""The pure rules of guarantee programmes: eligibility, risk shares, fees, claim status."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from db.models import GuaranteeClaim
from domain.credit.claims import ClaimStatus, status_on
from domain.credit.guarantees import covered, eligibility_failures, fee_of, split_shares

RULES = {"high_tech_or_srdi": True, "max_amount": "5000000.00"}
SHARES = {"GUARANTOR": "0.4", "REGUARANTEE": "0.3", "BANK": "0.2", "GOVERNMENT": "0.1"}


@pytest.mark.parametrize(
    ("high_tech", "srdi", "amount", "failures"),
    [
        (True, False, "5000000.00", 0),
        (False, True, "100000.00", 0),
        (False, False, "100000.00", 1),
        (True, True, "5000000.01", 1),
        (False, False, "6000000.00", 2),
    ],
)
def test_eligibility_is_data(high_tech: bool, srdi: bool, amount: str, failures: int) -> None:
    assert (
        len(eligibility_failures(RULES, high_tech=high_tech, srdi=srdi, amount=D(amount)))
        == failures
    )


def test_an_unknown_rule_fails_closed() -> None:
    assert eligibility_failures({"listed": True}, high_tech=True, srdi=True, amount=D("1"))


def test_shares_add_up_to_the_fen_with_the_bank_taking_the_rounding() -> None:
    parts = split_shares(D("100000.05"), SHARES)
    assert sum(parts.values()) == D("100000.05")
    assert parts["GUARANTOR"] == D("40000.02") and parts["GOVERNMENT"] == D("10000.01")
    assert covered(D("400000.00"), SHARES) == D("320000.00")


def test_fee_is_amount_rate_and_months_half_up() -> None:
    assert fee_of(D("400000.00"), D("0.005"), 12) == D("2000.00")
    assert fee_of(D("333333.33"), D("0.005"), 7) == D("972.22")  # 972.2222...
    assert fee_of(D("100001.00"), D("0.015"), 1) == D("125.00")  # 125.00125


def test_a_filed_claim_past_its_due_date_reads_overdue() -> None:
    claim = GuaranteeClaim(status="FILED", due_by=date(2026, 5, 1), filed_at=datetime.now(UTC))
    assert status_on(claim, date(2026, 5, 1)) is ClaimStatus.FILED
    assert status_on(claim, date(2026, 5, 2)) is ClaimStatus.OVERDUE
    claim.status = "PAID"
    assert status_on(claim, date(2026, 6, 1)) is ClaimStatus.PAID
