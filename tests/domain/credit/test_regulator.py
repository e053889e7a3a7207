"""The regulator's inclusive-finance figures on a small hand-built book with known answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.credit.regulator import parse_month, report
from domain.errors import DomainError, ErrorCode
from tests.domain.credit.regulator_world import make_reg_world

TODAY = date(2026, 12, 5)


def test_months() -> None:
    assert parse_month("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_month("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    for bad in ("2026-13", "2026/11", "11-2026"):
        with pytest.raises(DomainError):
            parse_month(bad)


async def test_a_past_month_from_the_month_end_history(db: str) -> None:
    w = await make_reg_world()
    r = await report(principal=w.officer, month="2026-10", today=TODAY)
    assert (r.source, r.as_of) == ("MONTH_END", date(2026, 10, 31))
    inc = r.inclusive
    assert (inc.borrowers, inc.loans, inc.balance) == (2, 3, Decimal("1500000.00"))
    assert r.inclusive_balance_year_start == Decimal("1000000.00")
    assert r.inclusive_borrowers_year_start == 1 and r.borrowers_ok
    assert r.inclusive_growth == Decimal("0.5")
    assert r.all_loans.balance == Decimal("7000000.00")
    assert r.all_balance_year_start == Decimal("8000000.00")
    assert r.all_growth == Decimal("-0.125") and r.growth_ok is True
    assert inc.npl_balance == Decimal("800000.00")
    assert inc.npl_ratio == Decimal("0.533333")
    assert (inc.disbursed_loans, inc.disbursed_amount) == (2, Decimal("700000.00"))
    assert inc.average_rate == Decimal("0.044286")  # (400k * 4 % + 300k * 5 %) / 700k
    assert (inc.first_loans, inc.first_loan_amount) == (2, Decimal("700000.00"))
    tech = {s.key: s for s in r.tech}
    assert (tech["HIGH_TECH"].borrowers, tech["HIGH_TECH"].balance) == (1, Decimal("1200000.00"))
    assert tech["HIGH_TECH"].disbursed_amount == Decimal("400000.00")
    assert (tech["SRDI"].borrowers, tech["SRDI"].balance) == (0, Decimal("0.00"))  # B, C not small
    assert tech["TECH"].balance == tech["HIGH_TECH"].balance


async def test_the_current_month_reads_balances_now(db: str) -> None:
    w = await make_reg_world()
    r = await report(principal=w.officer, month="2026-12", today=TODAY)
    assert (r.source, r.as_of) == ("CURRENT", TODAY)
    assert r.inclusive.balance == Decimal("1700000.00")
    assert r.all_loans.balance == Decimal("8700000.00")
    assert r.inclusive.disbursed_loans == 0 and r.inclusive.average_rate is None
    with pytest.raises(DomainError) as err:
        await report(principal=w.officer, month="2027-01", today=TODAY)
    assert err.value.code == ErrorCode.INVALID_INPUT
    with pytest.raises(DomainError) as err:
        await report(principal=w.applicant, month="2026-10", today=TODAY)
    assert err.value.code == ErrorCode.FORBIDDEN
